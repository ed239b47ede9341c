from __future__ import annotations

from tinykube.api.kinds import DEPLOYMENT, ENDPOINTS, NAMESPACE, NODE, POD, SERVICE
from tinykube.apiserver import strategy
from tinykube.apiserver.strategy import for_kind


def test_create_resets_system_fields_and_status() -> None:
    obj = {"metadata": {"name": "s", "resourceVersion": "9", "uid": "mine",
                        "deletionTimestamp": "x", "creationTimestamp": None},
           "spec": {}, "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}
    for_kind(SERVICE).prepare_create(obj)
    md = obj["metadata"]
    assert "resourceVersion" not in md and "deletionTimestamp" not in md
    assert md["uid"] != "mine" and md["creationTimestamp"] and "generation" not in md
    assert obj["status"] == {"loadBalancer": {}}
    dep = {"metadata": {"name": "d", "generation": 7}, "spec": {}}
    for_kind(DEPLOYMENT).prepare_create(dep)
    assert dep["metadata"]["generation"] == 1


def test_create_initial_status_per_kind() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
           "status": {"phase": "Running"}}
    for_kind(POD).prepare_create(pod)
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    ns = {"metadata": {"name": "n"}}
    for_kind(NAMESPACE).prepare_create(ns)
    assert ns["spec"] == {"finalizers": ["kubernetes"]} and ns["status"] == {"phase": "Active"}
    node = {"metadata": {"name": "n"}, "status": {"addresses": []}}
    for_kind(NODE).prepare_create(node)
    assert node["status"] == {"addresses": []}
    ep = {"metadata": {"name": "e"}, "subsets": []}
    for_kind(ENDPOINTS).prepare_create(ep)
    assert "status" not in ep


def test_qos_classes() -> None:
    def pod(*resources: dict[str, object]) -> dict[str, object]:
        return {"spec": {"containers": [{"name": str(i), "resources": r}
                                        for i, r in enumerate(resources)]}}
    g = {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert strategy.qos_class(pod(g, g)) == "Guaranteed"
    assert strategy.qos_class(pod(g, {})) == "Burstable"
    assert strategy.qos_class(pod({"requests": {"cpu": "1"}})) == "Burstable"
    assert strategy.qos_class(pod({}, {})) == "BestEffort"


def test_update_keeps_status_and_system_metadata_and_bumps_generation() -> None:
    old = {"metadata": {"name": "d", "uid": "u", "creationTimestamp": "t", "generation": 3},
           "spec": {"replicas": 1}, "status": {"replicas": 1}}
    new = {"metadata": {"name": "d"}, "spec": {"replicas": 2}, "status": {"replicas": 9}}
    for_kind(DEPLOYMENT).prepare_update(new, old)
    assert new["status"] == {"replicas": 1}
    assert new["metadata"] == {"name": "d", "uid": "u", "creationTimestamp": "t",
                               "generation": 4}
    same = {"metadata": {"name": "d", "labels": {"a": "b"}}, "spec": {"replicas": 1}}
    for_kind(DEPLOYMENT).prepare_update(same, old)
    assert same["metadata"]["generation"] == 3


def test_namespace_update_keeps_spec_finalizers() -> None:
    old = {"metadata": {"name": "n"}, "spec": {"finalizers": ["kubernetes"]}}
    new = {"metadata": {"name": "n"}, "spec": {}}
    for_kind(NAMESPACE).prepare_update(new, old)
    assert new["spec"] == {"finalizers": ["kubernetes"]}


def test_status_update_takes_only_status() -> None:
    old = {"metadata": {"name": "s", "labels": {"a": "1"}}, "spec": {"type": "ClusterIP"},
           "status": {}}
    new = {"metadata": {"name": "s", "labels": {"a": "2"}, "resourceVersion": "4"},
           "spec": {"type": "NodePort"}, "status": {"loadBalancer": {"ingress": []}}}
    out = for_kind(SERVICE).prepare_status_update(new, old)
    assert out["spec"] == {"type": "ClusterIP"} and out["metadata"]["labels"] == {"a": "1"}
    assert out["status"] == {"loadBalancer": {"ingress": []}}
    assert out["metadata"]["resourceVersion"] == "4"


def test_metadata_rules_on_update() -> None:
    st = for_kind(SERVICE)
    old = {"metadata": {"name": "s", "uid": "u", "deletionTimestamp": "t", "finalizers": ["a"]}}
    causes = st.metadata_causes({"metadata": {"name": "s", "uid": "v",
                                              "finalizers": ["a", "b"]}}, old)
    assert [c.field for c in causes] == ["metadata.uid", "metadata.finalizers"]


def test_should_delete_on_update() -> None:
    st = for_kind(SERVICE)
    assert st.should_delete_on_update({"metadata": {"deletionTimestamp": "t",
                                                    "deletionGracePeriodSeconds": 0}})
    assert not st.should_delete_on_update({"metadata": {"deletionTimestamp": "t",
                                                        "finalizers": ["a"]}})
    assert not st.should_delete_on_update({"metadata": {}})
    assert not for_kind(POD).should_delete_on_update(
        {"metadata": {"deletionTimestamp": "t", "deletionGracePeriodSeconds": 30}})
    ns = for_kind(NAMESPACE)
    assert not ns.should_delete_on_update({"metadata": {"deletionTimestamp": "t"},
                                           "spec": {"finalizers": ["kubernetes"]}})
    assert ns.should_delete_on_update({"metadata": {"deletionTimestamp": "t"}, "spec": {}})
