"""The scheduler: fitting nodes, least loaded first, Unschedulable when nothing fits."""

from collections import Counter

from tinykube.api import kinds
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.scheduler import Scheduler, choose, is_pending, why_not
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import node, pod


def test_fit_rules():
    p = pod("p")
    assert why_not(p, node("n")) is None
    assert why_not(p, node("n", ready=False)) == "node(s) were not ready"
    assert why_not(p, node("n", unschedulable=True)) == "node(s) were unschedulable"
    tainted = node("n", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    assert why_not(p, tainted) == "node(s) had untolerated taint(s)"
    tolerant = pod("t", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "db",
                                      "effect": "NoSchedule"}])
    assert why_not(tolerant, tainted) is None
    assert why_not(pod("e", tolerations=[{"operator": "Exists"}]), tainted) is None
    picky = pod("s", nodeSelector={"disk": "ssd"})
    assert why_not(picky, node("n")) == "node(s) didn't match Pod's node affinity/selector"


def test_least_loaded_then_by_name():
    nodes = [node("b"), node("a"), node("c", ready=False)]
    assert choose(pod("p"), nodes, Counter()) == ("a", "")
    assert choose(pod("p"), nodes, Counter({"a": 2, "b": 1})) == ("b", "")


def test_messages_when_nothing_fits():
    assert choose(pod("p"), [], Counter()) == (None, "no nodes available to schedule pods")
    got = choose(pod("p"), [node("a", ready=False), node("b", ready=False),
                            node("c", unschedulable=True)], Counter())
    assert got == (None, "0/3 nodes are available: 2 node(s) were not ready, "
                         "1 node(s) were unschedulable.")


def test_only_unbound_live_pods_of_the_default_scheduler_are_pending():
    assert is_pending(pod("p"))
    assert not is_pending(pod("p", node="n"))
    assert not is_pending(pod("p", schedulerName="other"))
    done = pod("p", ip="10.0.0.1", phase="Succeeded")
    assert not is_pending(done)


async def test_binds_and_spreads_then_waits_for_a_ready_node(api, running):
    await api.create(kinds.NODE, node("node-1"))
    await api.create(kinds.NODE, node("node-2"))
    events = EventRecorder(api)
    sched = Scheduler(api, recorder=events.recorder("default-scheduler"))
    running(events.run)
    running(sched.run)
    for i in range(4):
        await api.create(kinds.POD, pod(f"p{i}"))

    def placed() -> Counter:
        return Counter(api.find(kinds.POD, f"p{i}", "default")["spec"].get("nodeName")
                       for i in range(4))

    await eventually(lambda: placed() == Counter({"node-1": 2, "node-2": 2}))
    scheduled = api.find(kinds.POD, "p0", "default")["status"]["conditions"]
    assert {"type": "PodScheduled", "status": "True"}.items() <= scheduled[-1].items()

    for n in ("node-1", "node-2"):
        live = api.find(kinds.NODE, n)
        live["status"]["conditions"][0]["status"] = "False"
        await api.update(kinds.NODE, live, subresource="status")
    await api.create(kinds.POD, pod("late"))

    def condition() -> dict:
        conds = (api.find(kinds.POD, "late", "default").get("status") or {}).get("conditions")
        return (conds or [{}])[-1]

    await eventually(lambda: condition().get("reason") == "Unschedulable")
    assert condition()["message"] == "0/2 nodes are available: 2 node(s) were not ready."
    await eventually(lambda: any(o.get("reason") == "FailedScheduling"
                                 for (k, _, _), o in api.objects.items() if k is kinds.EVENT))
    live = api.find(kinds.NODE, "node-2")
    live["status"]["conditions"][0]["status"] = "True"
    await api.update(kinds.NODE, live, subresource="status")
    await eventually(lambda: api.find(kinds.POD, "late", "default")["spec"].get("nodeName")
                     == "node-2")
