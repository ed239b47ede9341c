from tinykube.agent.lifecycle import Container
from tinykube.agent.status import PodView, phase, pod_status, with_times

VIEW = PodView(restart_policy="Always", pod_ips=("10.244.0.5",), host_ips=("172.18.0.2",),
               start_time="T0", sandbox_ready=True, init_done=True)


def running(name: str = "c", ready: bool = True) -> Container:
    c = Container(name, "img")
    c.running("tinykube://1", "T1", restarted=False)
    c.ready = c.started = ready
    return c


def ended(code: int, name: str = "c") -> Container:
    c = running(name)
    c.terminated(code, "T2")
    return c


def view(**kw: object) -> PodView:
    return PodView(**{**VIEW.__dict__, **kw})


def test_phases_as_the_kubelet_computes_them():
    assert phase(VIEW, [Container("c", "i")]) == "Pending"
    assert phase(view(init_done=False), [running()]) == "Pending"
    assert phase(VIEW, [running(), ended(1, "d")]) == "Running"
    assert phase(VIEW, [ended(0)]) == "Running"                       # Always restarts
    assert phase(view(restart_policy="OnFailure"), [ended(0), ended(0, "d")]) == "Succeeded"
    assert phase(view(restart_policy="OnFailure"), [ended(1)]) == "Running"
    assert phase(view(restart_policy="Never"), [ended(0), ended(3, "d")]) == "Failed"
    assert phase(view(restart_policy="Never"), [ended(0)]) == "Succeeded"
    assert phase(view(terminal="Failed"), [running()]) == "Failed"


def test_crash_looping_container_counts_as_stopped():
    c = ended(1)
    c.waiting("CrashLoopBackOff")
    assert phase(VIEW, [c]) == "Running"


def test_status_of_a_ready_pod():
    s = pod_status(VIEW, [running()], [], {}, "NOW")
    assert s["phase"] == "Running" and s["podIP"] == "10.244.0.5"
    assert s["podIPs"] == [{"ip": "10.244.0.5"}] and s["hostIPs"] == [{"ip": "172.18.0.2"}]
    conds = {c["type"]: c for c in s["conditions"]}
    assert [c["type"] for c in s["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    assert all(c["status"] == "True" for c in conds.values())
    assert conds["Ready"]["lastTransitionTime"] == "NOW"
    assert s["containerStatuses"][0]["ready"] is True


def test_unready_containers_are_named_and_times_kept_until_a_flip():
    first = pod_status(VIEW, [running("a"), running("b", ready=False)], [], {}, "T1")
    ready = next(c for c in first["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [b]"
    again = pod_status(VIEW, [running("a"), running("b", ready=False)], [], first, "T2")
    assert next(c for c in again["conditions"] if c["type"] == "Ready")[
        "lastTransitionTime"] == "T1"
    flipped = pod_status(VIEW, [running("a"), running("b")], [], again, "T3")
    assert next(c for c in flipped["conditions"] if c["type"] == "Ready")[
        "lastTransitionTime"] == "T3"


def test_completed_pods_and_pending_init():
    done = pod_status(view(restart_policy="Never"), [ended(0)], [], {}, "T")
    ready = next(c for c in done["conditions"] if c["type"] == "Ready")
    assert done["phase"] == "Succeeded" and ready["reason"] == "PodCompleted"
    init = Container("setup", "busybox")
    s = pod_status(view(init_done=False), [Container("c", "i")], [init], {}, "T")
    cond = next(c for c in s["conditions"] if c["type"] == "Initialized")
    assert cond["status"] == "False"
    assert cond["message"] == "containers with incomplete status: [setup]"
    assert s["initContainerStatuses"][0]["name"] == "setup"


def test_readiness_gates_and_foreign_conditions_are_kept():
    prev = {"conditions": [{"type": "example.com/gate", "status": "False"}]}
    s = pod_status(view(readiness_gates=("example.com/gate",)), [running()], [], prev, "T")
    types = [c["type"] for c in s["conditions"]]
    assert "example.com/gate" in types
    ready = next(c for c in s["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["reason"] == "ReadinessGatesNotReady"
    prev["conditions"][0]["status"] = "True"
    s = pod_status(view(readiness_gates=("example.com/gate",)), [running()], [], prev, "T")
    assert next(c for c in s["conditions"] if c["type"] == "Ready")["status"] == "True"


def test_with_times_sets_now_for_new_conditions():
    out = with_times([{"type": "Ready", "status": "True"}], [], "NOW")
    assert out == [{"type": "Ready", "status": "True", "lastProbeTime": None,
                    "lastTransitionTime": "NOW"}]
