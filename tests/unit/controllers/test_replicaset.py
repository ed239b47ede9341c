"""The ReplicaSet controller: pods created and deleted to match, status, claims, events."""

from datetime import UTC, datetime

from tinykube.api import kinds, meta
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.replicaset import (
    ReplicaSetController,
    pods_to_delete,
    slow_start,
    status_of,
)
from tinykube.errors import Forbidden
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import pod, pod_status, template

APP = {"app": "web", "pod-template-hash": "abc"}
NOW = datetime(2024, 1, 1, 0, 1, 0, tzinfo=UTC)


def rs(name: str = "web-abc", replicas: int = 2, **spec) -> dict:
    body = {"replicas": replicas, "selector": {"matchLabels": APP}, "template": template(APP)}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default"}, "spec": body}


def test_deletion_order_prefers_unscheduled_pending_unready_newest():
    unscheduled = pod("unscheduled", APP)
    pending = pod("pending", APP, node="n1", ip="10.0.0.1", phase="Pending")
    unready = pod("unready", APP, node="n1", ip="10.0.0.2")
    old_ready = pod("old-ready", APP, node="n1", ip="10.0.0.3", ready=True)
    new_ready = pod("new-ready", APP, node="n1", ip="10.0.0.4", ready=True)
    old_ready["status"]["conditions"][0]["lastTransitionTime"] = "2023-01-01T00:00:00Z"
    order = [old_ready, new_ready, unready, pending, unscheduled]
    assert [p["metadata"]["name"] for p in pods_to_delete(order, 5)] == [
        "unscheduled", "pending", "unready", "new-ready", "old-ready"]
    assert len(pods_to_delete(order, 2)) == 2


def test_crowded_nodes_lose_pods_first():
    a = [pod(f"a{i}", APP, node="busy", ip=f"10.0.0.{i}", ready=True) for i in range(3)]
    b = pod("b", APP, node="quiet", ip="10.0.1.1", ready=True)
    assert pods_to_delete([b, *a], 1)[0]["spec"]["nodeName"] == "busy"


def test_status_counts_and_min_ready_seconds():
    r = rs(minReadySeconds=30)
    r["metadata"]["generation"] = 3
    fresh = pod("fresh", APP, ip="10.0.0.1")
    fresh["status"] = pod_status("10.0.0.1", ready=True, since="2024-01-01T00:00:50Z")
    old = pod("old", APP, ip="10.0.0.2", ready=True)  # ready since midnight
    stray = pod("stray", {"app": "web"}, ip="10.0.0.3")
    status, wait = status_of(r, [fresh, old, stray], NOW)
    assert status == {"replicas": 3, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                      "availableReplicas": 1, "observedGeneration": 3}
    assert wait == 20.0


async def test_slow_start_stops_after_the_first_failing_batch():
    calls = []

    async def one() -> None:
        calls.append(1)
        if len(calls) > 3:
            raise Forbidden("quota")

    error = await slow_start(100, one)
    assert isinstance(error, Forbidden)
    assert len(calls) == 7  # batches of 1, 2, 4


# --------------------------------------------------------------------------- controller


def owned_pods(api, rs_name: str = "web-abc") -> list[dict]:
    return [o for (k, _, _), o in api.objects.items() if k is kinds.POD
            and (meta.controller_of(o) or {}).get("name") == rs_name
            and not meta.is_terminating(o)]


async def start(api, running, **kw):
    events = EventRecorder(api)
    ctrl = ReplicaSetController(api, recorder=events.recorder("replicaset-controller"), **kw)
    running(events.run)
    running(ctrl.run)
    await eventually(lambda: ctrl.has_synced)
    return ctrl


def events(api) -> list[tuple[str, str]]:
    return [(o["reason"], o["message"]) for (k, _, _), o in api.objects.items()
            if k is kinds.EVENT]


async def test_creates_scales_and_reports(api, running):
    await api.create(kinds.REPLICA_SET, rs(replicas=3))
    await start(api, running)
    await eventually(lambda: len(owned_pods(api)) == 3)
    p = owned_pods(api)[0]
    assert p["metadata"]["generateName"] == "web-abc-"
    assert p["metadata"]["labels"] == APP
    assert p["spec"]["containers"][0]["image"] == "nginx"
    for p in owned_pods(api):
        p["status"] = pod_status("10.0.0.1", ready=True)
        await api.update(kinds.POD, p, subresource="status")
    await eventually(lambda: (api.find(kinds.REPLICA_SET, "web-abc", "default")
                              .get("status") or {}).get("availableReplicas") == 3)
    live = api.find(kinds.REPLICA_SET, "web-abc", "default")
    live["spec"]["replicas"] = 1
    await api.update(kinds.REPLICA_SET, live)
    await eventually(lambda: len(owned_pods(api)) == 1)
    await eventually(lambda: api.find(kinds.REPLICA_SET, "web-abc", "default")["status"]
                     ["replicas"] == 1)
    await eventually(lambda: len([e for e in events(api) if e[0] == "SuccessfulDelete"]) == 2)
    created = [m for r, m in events(api) if r == "SuccessfulCreate"]
    assert len(created) == 3 and all(m.startswith("Created pod: web-abc-") for m in created)


async def test_adopts_orphans_and_releases_relabelled_pods(api, running):
    await api.create(kinds.POD, pod("orphan", APP))
    await api.create(kinds.REPLICA_SET, rs(replicas=1))
    await start(api, running)
    await eventually(lambda: [p["metadata"]["name"] for p in owned_pods(api)] == ["orphan"])
    orphan = api.find(kinds.POD, "orphan", "default")
    orphan["metadata"]["labels"] = {"app": "debug"}
    await api.update(kinds.POD, orphan)
    await eventually(lambda: len(owned_pods(api)) == 1
                     and owned_pods(api)[0]["metadata"]["name"] != "orphan")
    assert not meta.owner_references(api.find(kinds.POD, "orphan", "default"))


async def test_failed_creates_are_reported(api, running):
    await api.create(kinds.REPLICA_SET, rs(replicas=1))
    api.fail("create", Forbidden('pods "x" is forbidden: exceeded quota'))
    await start(api, running)
    await eventually(lambda: ("FailedCreate", 'Error creating: pods "x" is forbidden: '
                              "exceeded quota") in events(api))
    await eventually(lambda: len(owned_pods(api)) == 1)  # the retry succeeds
