"""The Endpoints controller: subsets computed from pods, and writes only of differences."""

import copy

from tinykube.api import kinds, meta
from tinykube.controllers import endpoints
from tinykube.controllers.endpoints import EndpointsController, desired, subsets_for, truncate
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import container, pod, port, service

APP = {"app": "web"}


def uid(p: dict, value: str) -> dict:
    p["metadata"]["uid"] = value
    return p


def ips(subset: dict, field: str = "addresses") -> list[str]:
    return [a["ip"] for a in subset.get(field, [])]


def test_ready_and_unready_pods_split_and_terminating_pods_drop():
    svc = service("web", APP)
    ready = uid(pod("a", APP, ip="10.0.0.2", ready=True, node="n1"), "u1")
    unready = uid(pod("b", APP, ip="10.0.0.1"), "u2")
    going = uid(pod("c", APP, ip="10.0.0.3", ready=True), "u3")
    going["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    no_ip = pod("d", APP)
    done = pod("e", APP, ip="10.0.0.4", ready=True, phase="Succeeded")
    (subset,) = subsets_for(svc, [ready, unready, going, no_ip, done])
    assert ips(subset) == ["10.0.0.2"]
    assert ips(subset, "notReadyAddresses") == ["10.0.0.1"]
    assert subset["ports"] == [{"port": 80, "protocol": "TCP"}]
    addr = subset["addresses"][0]
    assert addr["nodeName"] == "n1"
    assert addr["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "a", "uid": "u1"}
    assert "hostname" not in addr


def test_publish_not_ready_keeps_everyone_ready_including_terminating():
    svc = service("web", APP, publishNotReadyAddresses=True)
    going = pod("c", APP, ip="10.0.0.3")
    going["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    (subset,) = subsets_for(svc, [pod("b", APP, ip="10.0.0.1"), going])
    assert ips(subset) == ["10.0.0.1", "10.0.0.3"]
    assert "notReadyAddresses" not in subset


def test_named_target_port_resolves_per_pod_by_name_and_protocol():
    svc = service("web", APP, ports=[port(80, "http", "web"), port(53, "dns", "dns", "UDP")])
    a = pod("a", APP, ip="10.0.0.1", ready=True, containers=[container(ports=[
        {"name": "web", "containerPort": 8080, "protocol": "TCP"},
        {"name": "dns", "containerPort": 5353, "protocol": "UDP"}])])
    b = pod("b", APP, ip="10.0.0.2", ready=True, containers=[container(ports=[
        {"name": "web", "containerPort": 9090},
        {"name": "dns", "containerPort": 53, "protocol": "TCP"}])])  # wrong protocol
    subsets = subsets_for(svc, [a, b])
    got = {tuple((p["name"], p["port"]) for p in s["ports"]): ips(s) for s in subsets}
    assert got == {(("dns", 5353), ("http", 8080)): ["10.0.0.1"], (("http", 9090),): ["10.0.0.2"]}


def test_same_ports_are_repacked_into_one_subset():
    svc = service("web", APP, ports=[port(80, "http"), port(443, "https")])
    pods = [pod(n, APP, ip=f"10.0.0.{i}", ready=True) for i, n in enumerate("abc", 1)]
    (subset,) = subsets_for(svc, pods)
    assert ips(subset) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert [p["name"] for p in subset["ports"]] == ["http", "https"]


def test_hostname_only_when_subdomain_is_the_service():
    svc = service("nginx", APP, clusterIP="None")
    mine = pod("web-0", APP, ip="10.0.0.1", ready=True, hostname="web-0", subdomain="nginx")
    other = pod("x", APP, ip="10.0.0.2", ready=True, hostname="x", subdomain="elsewhere")
    (subset,) = subsets_for(svc, [mine, other])
    assert [a.get("hostname") for a in subset["addresses"]] == ["web-0", None]


def test_headless_service_without_ports_lists_addresses_with_no_ports():
    svc = service("h", APP, ports=[], clusterIP="None")
    (subset,) = subsets_for(svc, [pod("a", APP, ip="10.0.0.1", ready=True)])
    assert ips(subset) == ["10.0.0.1"] and "ports" not in subset


def test_pod_without_an_ip_of_the_service_family_is_skipped():
    svc = service("web", APP, ipFamilies=["IPv6"])
    assert subsets_for(svc, [pod("a", APP, ip="10.0.0.1", ready=True)]) == []


def test_truncation_keeps_ready_first_and_proportional_shares():
    subsets = [
        {"addresses": [{"ip": f"1.0.0.{i}"} for i in range(6)],
         "notReadyAddresses": [{"ip": f"2.0.0.{i}"} for i in range(4)]},
        {"addresses": [{"ip": f"3.0.0.{i}"} for i in range(2)],
         "notReadyAddresses": [{"ip": f"4.0.0.{i}"} for i in range(4)]},
    ]
    assert truncate(subsets, capacity=10)
    assert [len(s.get("addresses", [])) for s in subsets] == [6, 2]
    assert [len(s.get("notReadyAddresses", [])) for s in subsets] == [1, 1]
    ready_only = [{"addresses": [{"ip": f"1.0.0.{i}"} for i in range(12)],
                   "notReadyAddresses": [{"ip": "2.0.0.1"}]}]
    assert truncate(ready_only, capacity=10)
    assert len(ready_only[0]["addresses"]) == 10 and "notReadyAddresses" not in ready_only[0]
    assert not truncate([{"addresses": [{"ip": "1.1.1.1"}]}], capacity=1)


def test_over_capacity_annotation_and_labels():
    svc = service("web", APP, labels={"team": "a"}, clusterIP="None")
    pods = [pod(f"p{i}", APP, ip=f"10.0.{i // 250}.{i % 250 + 1}", ready=True)
            for i in range(1001)]
    ep = desired(svc, pods, None)
    assert ep is not None
    assert sum(len(s["addresses"]) for s in ep["subsets"]) == 1000
    assert meta.annotations_of(ep)[endpoints.OVER_CAPACITY] == "truncated"
    assert meta.labels(ep) == {"team": "a", "service.kubernetes.io/headless": "",
                               "endpoints.kubernetes.io/managed-by": "endpoint-controller"}
    # the same inputs against what was written: nothing to do
    assert desired(svc, pods, ep) is None
    # dropping below capacity removes the annotation
    again = desired(svc, pods[:10], ep)
    assert again is not None and endpoints.OVER_CAPACITY not in meta.annotations_of(again)


def test_unchanged_inputs_need_no_write_whatever_the_pod_order():
    svc = service("web", APP)
    pods = [pod(n, APP, ip=f"10.0.0.{i}", ready=i % 2 == 0) for i, n in enumerate("abcd", 1)]
    ep = desired(svc, pods, None)
    stored = copy.deepcopy(ep)
    stored["metadata"]["resourceVersion"] = "7"
    assert desired(svc, list(reversed(pods)), stored) is None


# --------------------------------------------------------------------------- controller


async def start(api, running) -> EndpointsController:
    ctrl = EndpointsController(api)
    running(ctrl.run)
    await eventually(lambda: ctrl.has_synced)
    return ctrl


def subsets(api, name: str = "web") -> list | None:
    ep = api.find(kinds.ENDPOINTS, name, "default")
    return None if ep is None else ep.get("subsets")


async def test_controller_follows_pods_and_writes_only_differences(api, running):
    await api.create(kinds.SERVICE, service("web", APP))
    await start(api, running)
    await eventually(lambda: subsets(api) == [])
    p = await api.create(kinds.POD, pod("a", APP, ip="10.0.0.1"))
    await eventually(lambda: subsets(api) and ips(subsets(api)[0], "notReadyAddresses")
                     == ["10.0.0.1"])
    p["status"]["conditions"][0]["status"] = "True"
    p = await api.update(kinds.POD, p, subresource="status")
    await eventually(lambda: subsets(api) and ips(subsets(api)[0]) == ["10.0.0.1"])
    writes = len([c for c in api.calls if c.kind == "endpoints"])
    p["metadata"]["annotations"] = {"unrelated": "change"}
    await api.update(kinds.POD, p)
    await api.create(kinds.POD, pod("other", {"app": "other"}, ip="10.0.0.9", ready=True))
    await api.delete(kinds.POD, "a", "default")
    await eventually(lambda: subsets(api) == [])
    assert len([c for c in api.calls if c.kind == "endpoints"]) == writes + 1


async def test_selectorless_and_external_name_services_are_left_alone(api, running):
    await api.create(kinds.SERVICE, service("mysql", None, ports=[port(3306)]))
    await api.create(kinds.ENDPOINTS, {"metadata": {"name": "mysql", "namespace": "default"},
                                       "subsets": [{"addresses": [{"ip": "10.32.1.149"}],
                                                    "ports": [{"port": 3306}]}]})
    await api.create(kinds.SERVICE, service("ext", APP, type="ExternalName",
                                            externalName="example.com"))
    await api.create(kinds.SERVICE, service("web", APP))
    ctrl = await start(api, running)
    await eventually(lambda: subsets(api) == [])
    await api.delete(kinds.SERVICE, "mysql", "default")
    await eventually(lambda: len(ctrl.queue) == 0 and ctrl.queue.processing() == 0)
    assert api.find(kinds.ENDPOINTS, "mysql", "default") is not None  # user-made: kept
    assert api.find(kinds.ENDPOINTS, "ext", "default") is None
    await api.delete(kinds.SERVICE, "web", "default")
    await eventually(lambda: api.find(kinds.ENDPOINTS, "web", "default") is None)


async def test_losing_the_selector_removes_only_our_endpoints(api, running):
    svc = await api.create(kinds.SERVICE, service("web", APP))
    await start(api, running)
    await eventually(lambda: subsets(api) == [])
    del svc["spec"]["selector"]
    await api.update(kinds.SERVICE, svc)
    await eventually(lambda: api.find(kinds.ENDPOINTS, "web", "default") is None)


async def test_relabelled_pod_leaves_the_old_service(api, running):
    await api.create(kinds.SERVICE, service("web", APP))
    await api.create(kinds.SERVICE, service("blue", {"app": "blue"}))
    p = await api.create(kinds.POD, pod("a", APP, ip="10.0.0.1", ready=True))
    await start(api, running)
    await eventually(lambda: subsets(api) and ips(subsets(api)[0]) == ["10.0.0.1"])
    p["metadata"]["labels"] = {"app": "blue"}
    await api.update(kinds.POD, p)
    await eventually(lambda: subsets(api) == [])
    await eventually(lambda: subsets(api, "blue") and ips(subsets(api, "blue")[0])
                     == ["10.0.0.1"])
