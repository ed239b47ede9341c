"""Slice plans: placeholders, filling before creating, touching as few slices as possible."""

import copy
import itertools

from tinykube.controllers.endpointslice import build
from tinykube.controllers.endpointslice.plan import plan_service
from tinykube.testing.workloads import container, pod, port, service

APP = {"app": "web"}
_names = itertools.count()


def svc(**kw) -> dict:
    kw.setdefault("clusterIP", "10.96.0.10")
    s = service("web", APP, **kw)
    s["metadata"]["uid"] = "svc-uid"
    return s


def pods(n: int, start: int = 0, ready: bool = True) -> list[dict]:
    out = []
    for i in range(start, start + n):
        p = pod(f"p{i}", APP, ip=f"10.0.{i // 200}.{i % 200 + 1}", ready=ready)
        p["metadata"]["uid"] = f"uid-{i}"
        out.append(p)
    return out


def stored(plan, previous=()) -> list[dict]:
    """What the API would hold after the plan ran."""
    out = {s["metadata"]["name"]: s for s in previous}
    for s in plan.delete:
        out.pop(s["metadata"]["name"])
    for s in plan.update:
        out[s["metadata"]["name"]] = copy.deepcopy(s)
    for s in plan.create:
        new = copy.deepcopy(s)
        new["metadata"]["name"] = f"web-{next(_names)}"
        out[new["metadata"]["name"]] = new
    return list(out.values())


def sizes(slices) -> list[int]:
    return sorted(len(s["endpoints"]) for s in slices)


def test_a_service_without_pods_gets_one_placeholder_and_keeps_it():
    s = svc()
    plan = plan_service(s, [], [])
    (placeholder,) = plan.create
    assert placeholder["endpoints"] == [] and placeholder["ports"] == []
    assert placeholder["addressType"] == "IPv4"
    assert placeholder["metadata"]["generateName"] == "web-"
    assert placeholder["metadata"]["labels"] == {
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert placeholder["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Service", "name": "web", "uid": "svc-uid",
        "controller": True, "blockOwnerDeletion": True}]
    assert plan_service(s, [], stored(plan)).empty()


def test_first_pods_reuse_the_placeholder():
    s = svc()
    slices = stored(plan_service(s, [], []))
    plan = plan_service(s, pods(3), slices)
    assert not plan.create and not plan.delete
    (updated,) = plan.update
    assert updated["metadata"]["name"] == slices[0]["metadata"]["name"]
    assert updated["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    assert [e["addresses"] for e in updated["endpoints"]] == [["10.0.0.1"], ["10.0.0.2"],
                                                              ["10.0.0.3"]]


def test_at_most_100_endpoints_per_slice():
    s = svc()
    slices = stored(plan_service(s, pods(250), []))
    assert sizes(slices) == [50, 100, 100]
    assert plan_service(s, pods(250), slices).empty()


def test_one_pod_gone_touches_only_its_slice():
    s = svc()
    slices = stored(plan_service(s, pods(250), []))
    plan = plan_service(s, pods(249), slices)  # p249 went
    assert not plan.create and not plan.delete and len(plan.update) == 1
    assert sizes(stored(plan, slices)) == [49, 100, 100]


def test_new_pods_fill_the_slice_they_fit_best_before_a_new_one():
    s = svc()
    slices = stored(plan_service(s, pods(250), []))
    plan = plan_service(s, pods(260), slices)
    assert not plan.create and len(plan.update) == 1
    assert sizes(stored(plan, slices)) == [60, 100, 100]
    slices = stored(plan, slices)
    plan = plan_service(s, pods(360), slices)  # 100 more do not fit: a new slice
    assert len(plan.create) == 1 and not plan.update
    assert sizes(stored(plan, slices)) == [60, 100, 100, 100]


def test_a_changed_pod_updates_its_endpoint_in_place():
    s = svc()
    slices = stored(plan_service(s, pods(3, ready=False), []))
    changed = pods(3, ready=False)
    changed[1]["status"]["conditions"][0]["status"] = "True"
    plan = plan_service(s, changed, slices)
    (updated,) = plan.update
    conds = [e["conditions"] for e in updated["endpoints"]]
    assert conds[1] == {"ready": True, "serving": True, "terminating": False}
    assert conds[0] == {"ready": False, "serving": False, "terminating": False}


def test_terminating_pods_stay_with_conditions():
    going = pods(1)[0]
    going["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    (created,) = plan_service(svc(), [going], []).create
    assert created["endpoints"][0]["conditions"] == {"ready": False, "serving": True,
                                                      "terminating": True}
    (published,) = plan_service(svc(publishNotReadyAddresses=True), [going], []).create
    assert published["endpoints"][0]["conditions"]["ready"] is True


def test_different_port_resolutions_need_different_slices():
    s = svc(ports=[port(80, "http", "web")])
    a, b, c = pods(3)
    a["spec"]["containers"] = [container(ports=[{"name": "web", "containerPort": 8080}])]
    b["spec"]["containers"] = [container(ports=[{"name": "web", "containerPort": 9090}])]
    plan = plan_service(s, [a, b, c], [])
    got = sorted(((sl["ports"], [e["addresses"][0] for e in sl["endpoints"]])
                  for sl in plan.create), key=str)
    assert got == sorted([
        ([{"name": "http", "port": 8080, "protocol": "TCP"}], ["10.0.0.1"]),
        ([{"name": "http", "port": 9090, "protocol": "TCP"}], ["10.0.0.2"]),
        ([], ["10.0.0.3"]),  # c has no such port: in a slice without ports
    ], key=str)


def test_endpoint_fields_hostname_node_target():
    s = svc(clusterIP="None")
    p = pods(1)[0]
    p["spec"].update(hostname="web-0", subdomain="web", nodeName="node-1")
    (created,) = plan_service(s, [p], []).create
    ep = created["endpoints"][0]
    assert ep["hostname"] == "web-0" and ep["nodeName"] == "node-1"
    assert ep["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "p0",
                               "uid": "uid-0"}
    assert "zone" not in ep
    assert created["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


def test_service_labels_are_copied_and_changes_update_every_slice():
    s = svc(labels={"team": "a", "kubernetes.io/service-name": "spoof"})
    slices = stored(plan_service(s, pods(150), []))
    assert all(sl["metadata"]["labels"]["team"] == "a" for sl in slices)
    assert all(sl["metadata"]["labels"][build.SERVICE_NAME_LABEL] == "web" for sl in slices)
    s["metadata"]["labels"]["team"] = "b"
    plan = plan_service(s, pods(150), slices)
    assert len(plan.update) == 2 and not plan.create and not plan.delete


def test_slices_not_owned_by_the_service_are_replaced():
    s = svc()
    slices = stored(plan_service(s, pods(2), []))
    for sl in slices:
        sl["metadata"]["ownerReferences"][0]["uid"] = "old-service"
    plan = plan_service(s, pods(2), slices)
    assert len(plan.delete) == 1 and len(plan.create) == 1 and not plan.update


def test_all_pods_gone_leaves_one_placeholder():
    s = svc()
    slices = stored(plan_service(s, pods(150), []))
    plan = plan_service(s, [], slices)
    after = stored(plan, slices)
    assert len(after) == 1 and after[0]["endpoints"] == [] and after[0]["ports"] == []
    assert not plan.create  # the last slice to go became the placeholder


def test_dual_stack_service_has_slices_per_family():
    s = svc(ipFamilies=["IPv4", "IPv6"])
    p = pods(1)[0]
    p["status"]["podIPs"] = [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]
    got = sorted((sl["addressType"], sl["endpoints"][0]["addresses"])
                 for sl in plan_service(s, [p], []).create)
    assert got == [("IPv4", ["10.0.0.1"]), ("IPv6", ["fd00::1"])]
