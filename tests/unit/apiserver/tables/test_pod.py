from datetime import UTC, datetime
from typing import Any

import pytest

from tinykube.apiserver.tables import pod

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)
CREATED = "2026-11-20T08:10:00Z"  # 2d before NOW


def make(
    *,
    containers: int = 1,
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    conditions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": CREATED},
        "spec": {"containers": [{"name": f"c{i}", "image": "nginx"} for i in range(containers)]},
        "status": {"phase": phase},
    }
    if init is not None:
        obj["spec"]["initContainers"] = init
    if statuses is not None:
        obj["status"]["containerStatuses"] = statuses
    if init_statuses is not None:
        obj["status"]["initContainerStatuses"] = init_statuses
    if conditions is not None:
        obj["status"]["conditions"] = conditions
    for k, v in extra.items():
        obj["status"][k] = v
    return obj


def running(ready: bool = True, restarts: int = 0, **more: Any) -> dict[str, Any]:
    return {"name": "c0", "ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": CREATED}}, **more}


def waiting(reason: str, restarts: int = 0, **more: Any) -> dict[str, Any]:
    return {"name": "c0", "ready": False, "restartCount": restarts,
            "state": {"waiting": {"reason": reason}}, **more}


def terminated(exit_code: int, reason: str = "", **more: Any) -> dict[str, Any]:
    term: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        term["reason"] = reason
    return {"name": "c0", "ready": False, "restartCount": 0, "state": {"terminated": term}, **more}


def status_of(obj: dict[str, Any]) -> tuple[str, str, str]:
    return pod.status_and_restarts(obj, NOW)


def test_columns() -> None:
    assert [(c.name, c.priority) for c in pod.COLUMNS] == [
        ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0),
        ("IP", 1), ("Node", 1), ("Nominated Node", 1), ("Readiness Gates", 1),
    ]


def test_running_ready_pod_row() -> None:
    obj = make(statuses=[running()], podIP="10.244.0.5", podIPs=[{"ip": "10.244.0.5"}])
    obj["spec"]["nodeName"] = "tinykube-node"
    assert pod.cells(obj, NOW) == [
        "web-0", "1/1", "Running", "0", "2d", "10.244.0.5", "tinykube-node", "<none>", "<none>",
    ]


def test_pending_pod_without_statuses() -> None:
    obj = make(phase="Pending")
    assert pod.cells(obj, NOW)[1:4] == ["0/1", "Pending", "0"]
    assert pod.cells(obj, NOW)[5:8] == ["<none>", "<none>", "<none>"]


def test_container_creating_and_crash_loop() -> None:
    assert status_of(make(phase="Pending", statuses=[waiting("ContainerCreating")]))[1] == (
        "ContainerCreating"
    )
    crash = waiting("CrashLoopBackOff", restarts=3,
                    lastState={"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T08:05:00Z"}})
    assert status_of(make(statuses=[crash])) == ("0/1", "CrashLoopBackOff", "3 (5m ago)")


def test_restarts_without_finish_time_show_only_the_count() -> None:
    assert status_of(make(statuses=[running(restarts=2)]))[2] == "2"


def test_completed_and_error() -> None:
    assert status_of(make(phase="Succeeded", statuses=[terminated(0, "Completed")]))[1] == (
        "Completed"
    )
    assert status_of(make(phase="Failed", statuses=[terminated(1, "Error")]))[1] == "Error"
    assert status_of(make(phase="Failed", statuses=[terminated(2)]))[1] == "ExitCode:2"
    signal = terminated(0)
    signal["state"]["terminated"]["signal"] = 9
    signal["state"]["terminated"]["exitCode"] = 137
    assert status_of(make(phase="Failed", statuses=[signal]))[1] == "Signal:9"


def test_completed_container_with_running_sibling_is_running_or_not_ready() -> None:
    statuses = [running(), {**terminated(0, "Completed"), "name": "c1"}]
    ready = [{"type": "Ready", "status": "True"}]
    assert status_of(make(containers=2, statuses=statuses, conditions=ready)) == (
        "1/2", "Running", "0",
    )
    assert status_of(make(containers=2, statuses=statuses))[1] == "NotReady"


def test_terminating_unless_finished_and_unknown_on_node_lost() -> None:
    obj = make(statuses=[running()])
    obj["metadata"]["deletionTimestamp"] = "2026-11-22T08:09:00Z"
    assert status_of(obj)[1] == "Terminating"
    done = make(phase="Succeeded", statuses=[terminated(0, "Completed")])
    done["metadata"]["deletionTimestamp"] = "2026-11-22T08:09:00Z"
    assert status_of(done)[1] == "Completed"
    lost = make(statuses=[running()], reason="NodeLost")
    lost["metadata"]["deletionTimestamp"] = "2026-11-22T08:09:00Z"
    assert status_of(lost)[1] == "Unknown"


def test_status_reason_overrides_phase() -> None:
    assert status_of(make(phase="Failed", reason="Evicted"))[1] == "Evicted"


def test_scheduling_gated() -> None:
    cond = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    assert status_of(make(phase="Pending", conditions=cond))[1] == "SchedulingGated"


@pytest.mark.parametrize(
    ("init_status", "expected"),
    [
        ({"name": "i0", "state": {"waiting": {"reason": "PodInitializing"}}}, "Init:0/2"),
        ({"name": "i0", "state": {"running": {}}}, "Init:0/2"),
        ({"name": "i0", "state": {"waiting": {"reason": "ErrImagePull"}}}, "Init:ErrImagePull"),
        ({"name": "i0", "state": {"terminated": {"exitCode": 3}}}, "Init:ExitCode:3"),
        ({"name": "i0", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}},
         "Init:Error"),
        ({"name": "i0", "state": {"terminated": {"exitCode": 1, "signal": 15}}},
         "Init:Signal:15"),
    ],
)
def test_init_container_states(init_status: dict[str, Any], expected: str) -> None:
    obj = make(
        phase="Pending",
        init=[{"name": "i0"}, {"name": "i1"}],
        init_statuses=[init_status, {"name": "i1", "state": {"waiting": {}}}],
        statuses=[waiting("PodInitializing")],
    )
    assert status_of(obj)[1] == expected


def test_second_init_container_running() -> None:
    obj = make(
        phase="Pending",
        init=[{"name": "i0"}, {"name": "i1"}],
        init_statuses=[
            {"name": "i0", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "i1", "state": {"running": {}}, "restartCount": 2},
        ],
    )
    assert status_of(obj) == ("0/1", "Init:1/2", "2")


def test_sidecar_counts_in_ready_and_restarts() -> None:
    obj = make(
        init=[{"name": "side", "restartPolicy": "Always"}],
        init_statuses=[{"name": "side", "started": True, "ready": True, "restartCount": 1,
                        "state": {"running": {}}}],
        statuses=[running()],
        conditions=[{"type": "Initialized", "status": "True"}],
    )
    assert status_of(obj) == ("2/2", "Running", "1")


def test_wide_cells_and_readiness_gates() -> None:
    obj = make(statuses=[running()], podIPs=[{"ip": "10.244.0.9"}, {"ip": "fd00::9"}],
               nominatedNodeName="node-2",
               conditions=[{"type": "example.com/gate", "status": "True"},
                           {"type": "other/gate", "status": "False"}])
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/gate"}, {"conditionType": "other/gate"},
        {"conditionType": "missing/gate"},
    ]
    assert pod.cells(obj, NOW)[5:] == ["10.244.0.9", "<none>", "node-2", "1/3"]


def test_row_conditions_for_finished_pods() -> None:
    assert pod.conditions(make()) is None
    assert pod.conditions(make(phase="Succeeded")) == [{
        "type": "Completed", "status": "True", "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }]
    failed = pod.conditions(make(phase="Failed"))
    assert failed is not None and failed[0]["message"] == "The pod failed."
