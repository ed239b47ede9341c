from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tinykube.cli.describe import workloads

Golden = Callable[[str], dict[str, Any]]


def _now(case: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(case["now"].replace("Z", "+00:00"))


def test_deployment_describes_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-deploy-nginx")
    old, new = workloads.split_replica_sets(case["object"], case["related"]["replicasets"])
    text = workloads.render_deployment(case["object"], old, new, case["related"]["events"],
                                       _now(case))
    assert text == case["expected"]


def test_statefulset_describes_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-sts-web")
    uid = case["object"]["metadata"]["uid"]
    pods = workloads.pod_counts(case["related"]["pods"], uid)
    text = workloads.render_stateful_set(case["object"], pods, case["related"]["events"],
                                         _now(case))
    assert text == case["expected"]


def test_new_replica_set_is_the_one_with_the_deployments_template() -> None:
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c"}]}}
    d = {"metadata": {"uid": "d1"}, "spec": {"template": template}}

    def rs(name: str, image: str, owner: str = "d1") -> dict[str, Any]:
        t = {"metadata": {"labels": {"app": "x", "pod-template-hash": name}},
             "spec": {"containers": [{"name": "c", **({"image": image} if image else {})}]}}
        return {"metadata": {"name": name, "creationTimestamp": name,
                             "ownerReferences": [{"uid": owner, "controller": True}]},
                "spec": {"template": t}}

    old, new = workloads.split_replica_sets(d, [rs("1", "old"), rs("2", ""), rs("3", "", "z")])
    assert [r["metadata"]["name"] for r in old] == ["1"]
    assert [r["metadata"]["name"] for r in new] == ["2"]


def test_pod_counts_only_count_pods_the_owner_controls() -> None:
    def pod(phase: str, uid: str) -> dict[str, Any]:
        return {"metadata": {"ownerReferences": [{"uid": uid, "controller": True}]},
                "status": {"phase": phase}}

    pods = [pod("Running", "a"), pod("Pending", "a"), pod("Failed", "a"), pod("Running", "b")]
    assert workloads.pod_counts(pods, "a") == "1 Running / 1 Waiting / 0 Succeeded / 1 Failed"


def test_selector_text_is_canonical() -> None:
    sel = {"matchLabels": {"b": "2", "a": "1"},
           "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]}]}
    assert workloads.selector_text(sel) == "a=1,b=2,c in (x,y)"
