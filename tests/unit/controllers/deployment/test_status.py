"""Deployment status: counts, Available, and Progressing through a rollout."""

from datetime import UTC, datetime, timedelta

from tinykube.controllers.deployment import status as ds

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def deployment(replicas=2, generation=1, status=None, deadline=600) -> dict:
    return {"metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": replicas, "progressDeadlineSeconds": deadline,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}},
            "status": status or {}}


def rs(name, spec, actual, ready, available) -> dict:
    return {"metadata": {"name": name}, "spec": {"replicas": spec},
            "status": {"replicas": actual, "readyReplicas": ready,
                       "availableReplicas": available}}


def reason(status: dict, kind: str) -> str | None:
    c = ds.condition(status, kind)
    return None if c is None else c["reason"]


def test_counts_sum_the_replica_sets():
    old, new = rs("old", 1, 1, 1, 1), rs("new", 2, 2, 1, 0)
    s = ds.calculate(deployment(), [old, new], new, "t")
    assert {k: s[k] for k in ("replicas", "updatedReplicas", "readyReplicas",
                              "availableReplicas", "unavailableReplicas",
                              "observedGeneration")} == {
        "replicas": 3, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 1,
        "unavailableReplicas": 2, "observedGeneration": 1}
    assert reason(s, "Available") == "MinimumReplicasUnavailable"  # 1 < 2 - 0


def test_a_rollout_progresses_then_completes():
    new = rs("web-abc", 2, 2, 0, 0)
    d = deployment(status={"conditions": [ds.new_condition(
        "Progressing", "True", "NewReplicaSetCreated", "Created", "2024-01-01T00:00:00Z")]})
    s = ds.rollout_status(d, [new], new, T0)
    assert reason(s, "Progressing") == "ReplicaSetUpdated"  # 0 -> 2 updated replicas
    assert ds.condition(s, "Progressing")["message"] == 'ReplicaSet "web-abc" is progressing.'
    d["status"] = s
    done = rs("web-abc", 2, 2, 2, 2)
    s = ds.rollout_status(d, [done], done, T0 + timedelta(seconds=5))
    cond = ds.condition(s, "Progressing")
    assert cond["reason"] == "NewReplicaSetAvailable"
    assert cond["message"] == 'ReplicaSet "web-abc" has successfully progressed.'
    assert reason(s, "Available") == "MinimumReplicasAvailable"
    assert ds.complete(d, s)


def test_no_progress_past_the_deadline_times_out():
    stuck = rs("web-abc", 2, 2, 0, 0)
    d = deployment(deadline=60, status={
        "replicas": 2, "updatedReplicas": 2, "observedGeneration": 1,
        "conditions": [ds.new_condition("Progressing", "True", "ReplicaSetUpdated", "m",
                                        "2024-01-01T00:00:00Z")]})
    assert ds.deadline(d, d["status"]) == T0 + timedelta(seconds=60)
    s = ds.rollout_status(d, [stuck], stuck, T0 + timedelta(seconds=30))
    assert reason(s, "Progressing") == "ReplicaSetUpdated"
    s = ds.rollout_status(d, [stuck], stuck, T0 + timedelta(seconds=61))
    cond = ds.condition(s, "Progressing")
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")


def test_set_condition_keeps_transition_time_when_status_holds():
    s: dict = {}
    ds.set_condition(s, ds.new_condition("Available", "True", "A", "m", "t1"))
    ds.set_condition(s, ds.new_condition("Available", "True", "B", "m", "t2"))
    (c,) = s["conditions"]
    assert (c["reason"], c["lastTransitionTime"], c["lastUpdateTime"]) == ("B", "t1", "t2")


def test_pause_and_resume_conditions():
    d = deployment()
    d["spec"]["paused"] = True
    cond = ds.paused_condition(d, "t")
    assert (cond["status"], cond["reason"]) == ("Unknown", "DeploymentPaused")
    d["status"] = {"conditions": [cond]}
    assert ds.paused_condition(d, "t") is None
    d["spec"]["paused"] = False
    assert ds.paused_condition(d, "t")["reason"] == "DeploymentResumed"


def test_replica_failure_is_copied_up():
    failing = rs("web-abc", 2, 0, 0, 0)
    failing["status"]["conditions"] = [{"type": "ReplicaFailure", "status": "True",
                                        "reason": "FailedCreate", "message": "quota"}]
    s = ds.rollout_status(deployment(), [failing], failing, T0)
    assert reason(s, "ReplicaFailure") == "FailedCreate"
