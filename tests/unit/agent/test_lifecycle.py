from tinykube.agent.lifecycle import Backoff, Container, should_restart


def test_restart_policies():
    assert should_restart("Always", 0) and should_restart("Always", 1)
    assert should_restart("OnFailure", 2) and not should_restart("OnFailure", 0)
    assert not should_restart("Never", 1)


def test_backoff_first_restart_at_once_then_10s_doubling_to_5m():
    b = Backoff()
    assert b.wait(finished=0, now=0) == 0
    waits = []
    t = 0.0
    for _ in range(8):
        b.restarted(t)
        t += 1                                   # crashes a second later
        waits.append(b.wait(finished=t, now=t))
        t += waits[-1]
    assert waits == [10, 20, 40, 80, 160, 300, 300, 300]


def test_backoff_waits_only_the_rest_and_resets_after_a_long_good_run():
    b = Backoff()
    b.restarted(100)
    assert b.wait(finished=101, now=105) == 6
    assert b.wait(finished=2000, now=2000) == 0      # up for more than 2 x 5 min
    b.restarted(2000)
    assert b.delay == 10


def test_container_records_read_like_kubernetes_statuses():
    c = Container("app", "busybox")
    assert c.status()["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert not c.has_run
    c.running("tinykube://42", "T1", restarted=False)
    c.ready = c.started = True
    s = c.status()
    assert s["state"] == {"running": {"startedAt": "T1"}} and s["ready"] and s["started"]
    assert s["containerID"] == "tinykube://42" and s["restartCount"] == 0
    c.terminated(1, "T2")
    assert c.state["terminated"] == {"exitCode": 1, "reason": "Error", "startedAt": "T1",
                                     "finishedAt": "T2", "containerID": "tinykube://42"}
    assert not c.ready and c.exit_code == 1
    c.waiting("CrashLoopBackOff", "back-off 10s")
    assert c.last_state["terminated"]["exitCode"] == 1 and c.has_run
    c.running("tinykube://43", "T3", restarted=True)
    assert c.restart_count == 1 and c.last_state["terminated"]["finishedAt"] == "T2"
    c.terminated(0, "T4")
    assert c.state["terminated"]["reason"] == "Completed"


def test_resumed_records_keep_counts_and_last_termination():
    prev = {"restartCount": 4, "state": {"running": {"startedAt": "T"}},
            "lastState": {"terminated": {"exitCode": 2}}}
    c = Container.resumed("app", "img", prev)
    assert c.restart_count == 4 and c.last_state == {"terminated": {"exitCode": 2}}
    done = Container.resumed("app", "img", {"state": {"terminated": {"exitCode": 0}}})
    assert done.last_state == {"terminated": {"exitCode": 0}}
    assert Container.resumed("app", "img", None).restart_count == 0
