"""EndpointSlice mirroring of user-made Endpoints for selector-less Services."""

from tinykube.api import kinds, meta
from tinykube.controllers.mirroring import MirroringController, desired_slices, plan
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import port, service

MYSQL_EP = {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "mysql", "namespace": "default", "uid": "ep-uid",
                         "labels": {"db": "outside"},
                         "annotations": {"note": "x",
                                         "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "subsets": [{"addresses": [{"ip": "10.32.1.149", "hostname": "db1"}],
                         "notReadyAddresses": [{"ip": "10.32.1.150"}],
                         "ports": [{"port": 3306, "protocol": "TCP"}]}]}


def test_a_subset_becomes_one_slice_with_ready_from_the_address_list():
    (created,) = plan(MYSQL_EP, []).create
    assert created["addressType"] == "IPv4"
    assert created["ports"] == [{"name": "", "port": 3306, "protocol": "TCP"}]
    assert created["endpoints"] == [
        {"addresses": ["10.32.1.149"], "conditions": {"ready": True}, "hostname": "db1"},
        {"addresses": ["10.32.1.150"], "conditions": {"ready": False}}]
    md = created["metadata"]
    assert md["generateName"] == "mysql-"
    assert md["labels"] == {"db": "outside", "kubernetes.io/service-name": "mysql",
                            "endpointslice.kubernetes.io/managed-by":
                                "endpointslicemirroring-controller.k8s.io"}
    assert md["annotations"] == {"note": "x"}
    assert md["ownerReferences"][0]["kind"] == "Endpoints"
    assert md["ownerReferences"][0]["uid"] == "ep-uid"


def test_unchanged_mirror_needs_nothing_and_a_change_updates_in_place():
    (created,) = plan(MYSQL_EP, []).create
    created["metadata"].update(name="mysql-abc", resourceVersion="5")
    again = plan(MYSQL_EP, [created])
    assert not (again.create or again.update or again.delete)
    changed = {**MYSQL_EP, "subsets": [{"addresses": [{"ip": "10.32.1.151"}],
                                        "ports": [{"port": 3306, "protocol": "TCP"}]}]}
    (updated,) = plan(changed, [created]).update
    assert updated["metadata"]["name"] == "mysql-abc"
    assert [e["addresses"] for e in updated["endpoints"]] == [["10.32.1.151"]]


def test_families_and_port_lists_split_and_the_subset_cap_holds():
    ep = {"metadata": {"name": "x", "namespace": "default"}, "subsets": [
        {"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}], "ports": [{"port": 1}]},
        {"addresses": [{"ip": f"10.0.1.{i}"} for i in range(1, 6)], "ports": [{"port": 2}]},
    ]}
    got = desired_slices(ep, max_per_subset=3)
    counts = sorted((d.address_type, d.ports[0]["port"], len(d.endpoints))
                    for d in got.values())
    assert counts == [("IPv4", 1, 1), ("IPv4", 2, 3), ("IPv6", 1, 1)]


def test_nothing_to_mirror_deletes_what_is_there():
    (created,) = plan(MYSQL_EP, []).create
    assert plan(None, [created]).delete == [created]


# --------------------------------------------------------------------------- controller


def mirrored(api, name: str = "mysql") -> list[dict]:
    return [o for (k, _, _), o in api.objects.items() if k is kinds.ENDPOINT_SLICE
            and meta.labels(o).get("kubernetes.io/service-name") == name]


async def test_controller_mirrors_and_follows_the_service(api, running):
    svc = await api.create(kinds.SERVICE, service("mysql", None, ports=[port(3306)]))
    await api.create(kinds.ENDPOINTS, {k: v for k, v in MYSQL_EP.items()})
    ctrl = MirroringController(api)
    running(ctrl.run)
    await eventually(lambda: len(mirrored(api)) == 1)
    assert mirrored(api)[0]["endpoints"][0]["addresses"] == ["10.32.1.149"]
    svc["spec"]["selector"] = {"app": "mysql"}
    await api.update(kinds.SERVICE, svc)
    await eventually(lambda: mirrored(api) == [])
    del svc["spec"]["selector"]
    await api.update(kinds.SERVICE, api.find(kinds.SERVICE, "mysql", "default") | {
        "spec": svc["spec"]})
    await eventually(lambda: len(mirrored(api)) == 1)
    await api.delete(kinds.ENDPOINTS, "mysql", "default")
    await eventually(lambda: mirrored(api) == [])


async def test_skip_mirror_label_is_honoured(api, running):
    await api.create(kinds.SERVICE, service("kubernetes", None, ports=[port(443)]))
    await api.create(kinds.ENDPOINTS, {
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": "172.18.0.2"}], "ports": [{"port": 6443}]}]})
    await api.create(kinds.SERVICE, service("mysql", None, ports=[port(3306)]))
    await api.create(kinds.ENDPOINTS, dict(MYSQL_EP))
    ctrl = MirroringController(api)
    running(ctrl.run)
    await eventually(lambda: len(mirrored(api)) == 1)
    assert mirrored(api, "kubernetes") == []
