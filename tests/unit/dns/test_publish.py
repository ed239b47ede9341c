"""kube-system/kube-dns: the Service and the Endpoints, written only where they differ, one
address per server, against the fake API and the real API server."""

from __future__ import annotations

from pathlib import Path

from tinykube.api import kinds, meta
from tinykube.dns import publish
from tinykube.dns.publish import KubeDns, Member
from tinykube.errors import Conflict
from tinykube.testing.apiserver import serving
from tinykube.testing.fake_api import FakeApi

SPEC = KubeDns()
NODE = Member("172.18.0.2", "node-a")


def writes(api: FakeApi) -> list[tuple[str, str]]:
    return [(c.verb, c.kind) for c in api.calls]


# --------------------------------------------------------------------------- pure


def test_the_service_is_kubeadms_kube_dns_without_a_selector() -> None:
    svc = publish.service(SPEC)
    assert svc["metadata"]["namespace"] == "kube-system"
    assert svc["metadata"]["name"] == "kube-dns"
    assert svc["metadata"]["labels"] == {"k8s-app": "kube-dns",
                                         "kubernetes.io/cluster-service": "true",
                                         "kubernetes.io/name": "CoreDNS"}
    assert "selector" not in svc["spec"]
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def test_ports_target_where_the_server_listens() -> None:
    spec = KubeDns(cluster_ip="10.96.0.53", dns_port=5353, metrics_port=19153)
    svc = publish.service(spec)
    assert svc["spec"]["clusterIP"] == "10.96.0.53"
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        (53, 5353), (53, 5353), (9153, 19153)]
    assert [(p["name"], p["port"]) for p in spec.endpoint_ports()] == [
        ("dns", 5353), ("dns-tcp", 5353), ("metrics", 19153)]


def test_a_service_in_line_needs_no_patch_even_after_server_defaults() -> None:
    live = publish.service(SPEC)
    live["metadata"]["labels"]["team"] = "dns"
    live["spec"].update(sessionAffinity="None", clusterIPs=["10.96.0.10"])
    assert publish.service_patch(live, SPEC) is None


def test_drift_is_patched_and_foreign_labels_kept() -> None:
    live = publish.service(SPEC)
    live["metadata"]["labels"] = {"k8s-app": "other", "team": "dns"}
    live["spec"]["selector"] = {"app": "coredns"}
    live["spec"]["type"] = "NodePort"
    live["spec"]["ports"] = live["spec"]["ports"][:2]
    patch = publish.service_patch(live, SPEC)
    assert patch == {
        "metadata": {"labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "CoreDNS"}},
        "spec": {"selector": None, "type": "ClusterIP", "ports": SPEC.service_ports()},
    }


def test_another_cluster_ip_means_recreate() -> None:
    live = publish.service(SPEC)
    assert not publish.needs_recreate(live, SPEC)
    live["spec"]["clusterIP"] = "10.96.7.7"
    assert publish.needs_recreate(live, SPEC)


def test_loopback_and_special_addresses_cannot_be_endpoints() -> None:
    assert publish.unpublishable("172.18.0.2") is None
    assert publish.unpublishable("fd00::2") is None
    for ip in ("127.0.0.1", "::1", "0.0.0.0", "169.254.1.1", "224.0.0.1", "node"):
        assert publish.unpublishable(ip) is not None, ip


def test_members_share_a_subset_and_each_owns_only_its_address() -> None:
    one = publish.with_member([], SPEC, NODE)
    assert one == [{"addresses": [{"ip": "172.18.0.2", "nodeName": "node-a"}],
                    "ports": SPEC.endpoint_ports()}]
    two = publish.with_member(one, SPEC, Member("172.18.0.3", "node-b"))
    assert [a["ip"] for a in two[0]["addresses"]] == ["172.18.0.2", "172.18.0.3"]
    assert publish.with_member(two, SPEC, NODE) == two
    # node-a comes back with another IP: its old address goes.
    moved = publish.with_member(two, SPEC, Member("172.18.0.9", "node-a"))
    assert [a["ip"] for a in moved[0]["addresses"]] == ["172.18.0.3", "172.18.0.9"]
    assert publish.without_member(moved, Member("172.18.0.9", "node-a")) == [
        {"addresses": [{"ip": "172.18.0.3", "nodeName": "node-b"}],
         "ports": SPEC.endpoint_ports()}]
    assert publish.without_member(publish.without_member(moved, NODE),
                                  Member("172.18.0.3", "node-b")) == []


def test_a_member_on_other_ports_gets_a_subset_of_its_own() -> None:
    one = publish.with_member([], SPEC, NODE)
    other = KubeDns(dns_port=5353)
    both = publish.with_member(one, other, Member("172.18.0.3", "node-b"))
    assert len(both) == 2
    assert both[1]["ports"][0]["port"] == 5353
    # An unready address of another node is kept as it is.
    one[0]["notReadyAddresses"] = [{"ip": "172.18.0.4", "nodeName": "node-c"}]
    kept = publish.with_member(one, SPEC, Member("172.18.0.3", "node-b"))
    assert kept[0]["notReadyAddresses"] == [{"ip": "172.18.0.4", "nodeName": "node-c"}]


# --------------------------------------------------------------------------- fake API


async def test_ensure_service_creates_once_then_writes_nothing() -> None:
    api = FakeApi()
    await publish.ensure_service(api, SPEC)
    await publish.ensure_service(api, SPEC)
    assert writes(api) == [("create", "services")]
    live = api.find(kinds.SERVICE, "kube-dns", "kube-system")
    assert live is not None and live["spec"]["clusterIP"] == "10.96.0.10"


async def test_ensure_service_patches_only_the_drift() -> None:
    api = FakeApi()
    svc = publish.service(SPEC)
    svc["metadata"]["labels"] = {"team": "dns"}
    svc["spec"]["selector"] = {"app": "coredns"}
    await api.create(kinds.SERVICE, svc)
    await publish.ensure_service(api, SPEC)
    assert writes(api)[1:] == [("patch", "services")]
    live = api.find(kinds.SERVICE, "kube-dns", "kube-system")
    assert live is not None
    assert "selector" not in live["spec"]
    assert meta.labels(live) == {"team": "dns", **publish.LABELS}


async def test_ensure_service_recreates_one_with_another_cluster_ip() -> None:
    api = FakeApi()
    svc = publish.service(SPEC)
    svc["spec"]["clusterIP"] = "10.96.1.1"
    await api.create(kinds.SERVICE, svc)
    await publish.ensure_service(api, SPEC)
    assert writes(api)[1:] == [("delete", "services"), ("create", "services")]
    live = api.find(kinds.SERVICE, "kube-dns", "kube-system")
    assert live is not None and live["spec"]["clusterIP"] == "10.96.0.10"


async def test_members_join_and_leave_the_endpoints() -> None:
    api = FakeApi()
    assert await publish.ensure_member(api, SPEC, NODE)
    assert not await publish.ensure_member(api, SPEC, NODE)
    assert await publish.ensure_member(api, SPEC, Member("172.18.0.3", "node-b"))
    ep = api.find(kinds.ENDPOINTS, "kube-dns", "kube-system")
    assert ep is not None
    assert meta.labels(ep) == publish.LABELS
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["172.18.0.2", "172.18.0.3"]
    assert [p["name"] for p in ep["subsets"][0]["ports"]] == ["dns", "dns-tcp", "metrics"]
    assert await publish.withdraw_member(api, SPEC, NODE)
    assert not await publish.withdraw_member(api, SPEC, NODE)
    ep = api.find(kinds.ENDPOINTS, "kube-dns", "kube-system")
    assert ep is not None
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["172.18.0.3"]


async def test_withdraw_without_endpoints_writes_nothing() -> None:
    api = FakeApi()
    assert not await publish.withdraw_member(api, SPEC, NODE)
    assert api.calls == []


async def test_a_lost_race_is_retried_from_a_fresh_read() -> None:
    api = FakeApi()
    await publish.ensure_member(api, SPEC, Member("172.18.0.3", "node-b"))
    api.fail("update", Conflict("the object has been modified"))
    assert await publish.ensure_member(api, SPEC, NODE)
    ep = api.find(kinds.ENDPOINTS, "kube-dns", "kube-system")
    assert ep is not None
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["172.18.0.2", "172.18.0.3"]


# --------------------------------------------------------------------------- real API server


async def test_the_api_server_accepts_both_and_a_second_pass_writes_nothing(
        tmp_path: Path) -> None:
    async with serving(tmp_path) as api:
        client = api.client()
        await publish.ensure_service(client, SPEC)
        await publish.ensure_member(client, SPEC, NODE)
        svc = await client.get(kinds.SERVICE, "kube-dns", "kube-system")
        ep = await client.get(kinds.ENDPOINTS, "kube-dns", "kube-system")
        assert svc["spec"]["clusterIP"] == "10.96.0.10"
        assert [(p["name"], p["port"], p["protocol"], p["targetPort"])
                for p in svc["spec"]["ports"]] == [
            ("dns", 53, "UDP", 53), ("dns-tcp", 53, "TCP", 53), ("metrics", 9153, "TCP", 9153)]
        assert ep["subsets"][0]["addresses"] == [{"ip": "172.18.0.2", "nodeName": "node-a"}]
        await publish.ensure_service(client, SPEC)
        assert not await publish.ensure_member(client, SPEC, NODE)
        again = await client.get(kinds.SERVICE, "kube-dns", "kube-system")
        assert meta.resource_version(again) == meta.resource_version(svc)
