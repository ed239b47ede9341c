"""StatefulSet ordering decisions: OrderedReady, Parallel, scale-down, rolling updates."""

from datetime import UTC, datetime

from tinykube.controllers.statefulset import identity
from tinykube.controllers.statefulset.plan import plan, status
from tinykube.testing.workloads import pod, statefulset

NOW = datetime(2024, 1, 1, 1, tzinfo=UTC)
APP = {"app": "nginx"}
OLD, NEW = "web-old", "web-new"


def sts(replicas: int, **spec) -> dict:
    return statefulset("web", APP, replicas, service_name="nginx", **spec)


def member(ordinal: int, *, ready=True, revision=NEW, terminating=False, phase="Running"):
    p = pod(f"web-{ordinal}", {**APP, identity.REVISION_LABEL: revision},
            ip=f"10.0.0.{ordinal + 1}", ready=ready, phase=phase)
    if terminating:
        p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return p


def steps(s, pods, current=NEW, update=NEW) -> list[str]:
    return [repr(a) for a in plan(s, pods, current, update, NOW)]


def test_ordered_ready_creates_one_at_a_time_after_the_previous_is_ready():
    s = sts(3)
    assert steps(s, {}) == ["create(0, web-new)"]
    assert steps(s, {0: member(0, ready=False)}) == []
    assert steps(s, {0: member(0)}) == ["create(1, web-new)"]
    assert steps(s, {0: member(0), 1: member(1, ready=False)}) == []
    # an earlier pod failing holds the later ones back
    assert steps(s, {0: member(0, ready=False), 1: member(1)}) == []


def test_parallel_creates_and_deletes_everything_at_once():
    s = sts(3, podManagementPolicy="Parallel")
    assert steps(s, {1: member(1, ready=False)}) == ["create(0, web-new)", "create(2, web-new)"]
    s = sts(1, podManagementPolicy="Parallel")
    got = steps(s, {0: member(0), 1: member(1, ready=False), 2: member(2)})
    assert got == ["delete(2)", "delete(1)"]


def test_ordinals_start():
    s = sts(2, ordinals={"start": 5})
    assert steps(s, {}) == ["create(5, web-new)"]
    assert steps(s, {5: member(5)}) == ["create(6, web-new)"]


def test_scale_down_highest_first_one_at_a_time():
    s = sts(1)
    pods = {0: member(0), 1: member(1), 2: member(2)}
    assert steps(s, pods) == ["delete(2)"]
    pods[2] = member(2, terminating=True)
    assert steps(s, pods) == []  # waits until web-2 is gone
    del pods[2]
    assert steps(s, pods) == ["delete(1)"]
    # an unhealthy condemned pod waits while a lower one is unhealthy too...
    pods = {0: member(0), 1: member(1, ready=False), 2: member(2, ready=False)}
    assert steps(s, pods) == []
    # ...but the first unhealthy pod itself may go
    pods = {0: member(0), 1: member(1, ready=False)}
    assert steps(s, pods) == ["delete(1)"]


def test_finished_pods_are_replaced():
    s = sts(2)
    assert steps(s, {0: member(0, phase="Failed"), 1: member(1)}) == ["delete(0)"]


def test_rolling_update_from_the_highest_ordinal_down_to_the_partition():
    s = sts(3)
    pods = {i: member(i, revision=OLD) for i in range(3)}
    assert steps(s, pods, OLD, NEW) == ["delete(2)"]
    pods[2] = member(2, revision=NEW, ready=False)
    assert steps(s, pods, OLD, NEW) == []  # waits for web-2 to be healthy
    pods[2] = member(2, revision=NEW)
    assert steps(s, pods, OLD, NEW) == ["delete(1)"]
    parted = sts(3, updateStrategy={"type": "RollingUpdate",
                                    "rollingUpdate": {"partition": 2}})
    pods = {0: member(0, revision=OLD), 1: member(1, revision=OLD), 2: member(2)}
    assert steps(parted, pods, OLD, NEW) == []
    del pods[0]
    assert steps(parted, pods, OLD, NEW) == ["create(0, web-old)"]  # below the partition
    on_delete = sts(3, updateStrategy={"type": "OnDelete"})
    pods = {i: member(i, revision=OLD) for i in range(3)}
    assert steps(on_delete, pods, OLD, NEW) == []
    del pods[1]
    assert steps(on_delete, pods, OLD, NEW) == ["create(1, web-new)"]


def test_status_counts_and_revision_completion():
    s = sts(2)
    s["metadata"]["generation"] = 4
    got = status(s, {0: member(0, revision=OLD), 1: member(1, ready=False)}, OLD, NEW, NOW)
    assert got == {"replicas": 2, "readyReplicas": 1, "availableReplicas": 1,
                   "currentReplicas": 1, "updatedReplicas": 1, "currentRevision": OLD,
                   "updateRevision": NEW, "observedGeneration": 4, "collisionCount": 0}
    done = status(s, {0: member(0), 1: member(1)}, OLD, NEW, NOW)
    assert done["currentRevision"] == NEW and done["currentReplicas"] == 2
