from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tinykube.api.kinds import NAMESPACE, POD, SERVICE
from tinykube.apiserver import deletion
from tinykube.apiserver.options import DeleteOptions
from tinykube.apiserver.strategy import for_kind
from tinykube.errors import Conflict

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def svc(**md: object) -> dict[str, object]:
    return {"metadata": {"name": "s", "uid": "u1", "resourceVersion": "7", **md}}


def test_plain_objects_go_at_once() -> None:
    plan = deletion.plan(for_kind(SERVICE), svc(), DeleteOptions(), NOW)
    assert plan.action == "remove"


def test_finalizers_mark_the_object() -> None:
    plan = deletion.plan(for_kind(SERVICE), svc(finalizers=["x/y"]), DeleteOptions(), NOW)
    assert plan.action == "mark"
    md = plan.obj["metadata"]
    assert md["deletionTimestamp"] == "2025-01-02T03:04:05Z"
    assert md["deletionGracePeriodSeconds"] == 0
    assert md["finalizers"] == ["x/y"]


@pytest.mark.parametrize(("policy", "finalizer"), [("Foreground", "foregroundDeletion"),
                                                  ("Orphan", "orphan")])
def test_propagation_adds_its_finalizer(policy: str, finalizer: str) -> None:
    opts = DeleteOptions(propagation=policy)  # type: ignore[arg-type]
    plan = deletion.plan(for_kind(SERVICE), svc(), opts, NOW)
    assert plan.action == "mark" and plan.obj["metadata"]["finalizers"] == [finalizer]


def test_background_removes_gc_finalizers() -> None:
    got = deletion.propagation_finalizers(["orphan", "a"], DeleteOptions(propagation="Background"))
    assert got == ["a"]
    assert deletion.propagation_finalizers(["orphan"], DeleteOptions()) == ["orphan"]


def test_deleting_again_keeps_a_terminating_object() -> None:
    obj = svc(finalizers=["x/y"], deletionTimestamp="2025-01-01T00:00:00Z",
              deletionGracePeriodSeconds=0)
    assert deletion.plan(for_kind(SERVICE), obj, DeleteOptions(), NOW).action == "keep"


def pod(node: str | None, grace: int | None = None, **md: object) -> dict[str, object]:
    spec: dict[str, object] = {"containers": [{"name": "c"}]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": {"name": "p", "uid": "u", "resourceVersion": "3", **md}, "spec": spec}


def test_bound_pods_are_deleted_gracefully_then_for_good() -> None:
    st = for_kind(POD)
    first = deletion.plan(st, pod("n1", 20), DeleteOptions(), NOW)
    assert first.action == "mark"
    assert first.obj["metadata"]["deletionGracePeriodSeconds"] == 20
    assert first.obj["metadata"]["deletionTimestamp"] == "2025-01-02T03:04:25Z"
    again = deletion.plan(st, first.obj, DeleteOptions(), NOW)
    assert again.action == "keep"
    shorter = deletion.plan(st, first.obj, DeleteOptions(grace_period=5), NOW)
    assert shorter.action == "mark"
    assert shorter.obj["metadata"]["deletionGracePeriodSeconds"] == 5
    final = deletion.plan(st, first.obj, DeleteOptions(grace_period=0), NOW)
    assert final.action == "remove"


def test_default_pod_grace_is_30_and_unbound_pods_go_at_once() -> None:
    st = for_kind(POD)
    assert deletion.plan(st, pod("n1"), DeleteOptions(), NOW).obj["metadata"][
        "deletionGracePeriodSeconds"] == 30
    assert deletion.plan(st, pod(None), DeleteOptions(), NOW).action == "remove"
    assert deletion.plan(st, pod("n1"), DeleteOptions(grace_period=0), NOW).action == "remove"


def test_graceful_pod_with_finalizers_waits_for_them_at_grace_zero() -> None:
    st = for_kind(POD)
    marked = deletion.plan(st, pod("n1", 10, finalizers=["f"]), DeleteOptions(), NOW).obj
    final = deletion.plan(st, marked, DeleteOptions(grace_period=0), NOW)
    assert final.action == "mark"
    assert final.obj["metadata"]["deletionGracePeriodSeconds"] == 0


def ns(**extra: object) -> dict[str, object]:
    return {"metadata": {"name": "dev", "uid": "u", "resourceVersion": "2"},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}, **extra}


def test_namespaces_become_terminating_then_go_when_finalized() -> None:
    st = for_kind(NAMESPACE)
    plan = deletion.plan(st, ns(), DeleteOptions(), NOW)
    assert plan.action == "mark"
    assert plan.obj["status"]["phase"] == "Terminating"
    assert plan.obj["metadata"]["deletionTimestamp"]
    assert deletion.plan(st, plan.obj, DeleteOptions(), NOW).action == "keep"
    finalized = dict(plan.obj, spec={})
    assert deletion.plan(st, finalized, DeleteOptions(), NOW).action == "remove"


def test_preconditions() -> None:
    st = for_kind(SERVICE)
    deletion.check_preconditions(st, svc(), DeleteOptions(uid="u1", resource_version="7"))
    with pytest.raises(Conflict) as e:
        deletion.check_preconditions(st, svc(), DeleteOptions(uid="u2"))
    assert e.value.message == ('Operation cannot be fulfilled on services "s": Precondition '
                               "failed: UID in precondition: u2, UID in object meta: u1")
    with pytest.raises(Conflict):
        deletion.check_preconditions(st, svc(), DeleteOptions(resource_version="6"))
