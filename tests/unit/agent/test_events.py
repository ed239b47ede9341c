"""The agent's Events: the kubelet's shape, aggregation of repeats, never blocking; and
the probes' hook that turns each failed check into ``Unhealthy``."""

from typing import Any

from tinykube.agent import probecheck
from tinykube.agent.events import AgentEvents, NoEvents, field_path, involved_object
from tinykube.agent.probecheck import Target
from tinykube.agent.prober import ContainerProbes
from tinykube.agent.probes import ProbeKind, ProbeSpec
from tinykube.api import kinds
from tinykube.testing.clock import FakeClock
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-0", "namespace": "shop", "uid": "u1",
                    "resourceVersion": "12"}}


def stored(api: FakeApi) -> list[dict[str, Any]]:
    return [o for (k, _, _), o in api.objects.items() if k is kinds.EVENT]


def test_field_path_names_the_container_as_the_kubelet_does():
    assert field_path("nginx") == "spec.containers{nginx}"
    assert field_path("setup", init=True) == "spec.initContainers{setup}"
    assert field_path("") == ""
    assert "fieldPath" not in involved_object(POD)
    assert involved_object(POD, "spec.containers{nginx}")["fieldPath"] == \
        "spec.containers{nginx}"


async def test_a_container_event_is_the_kubelets(api, running):
    rec = AgentEvents(api, "node-1")
    running(rec.run)
    rec.record(POD, "Normal", "Started", "Started container nginx", container="nginx")
    await eventually(lambda: len(stored(api)) == 1)
    (ev,) = stored(api)
    assert ev["involvedObject"] == {"kind": "Pod", "namespace": "shop", "name": "web-0",
                                    "uid": "u1", "apiVersion": "v1", "resourceVersion": "12",
                                    "fieldPath": "spec.containers{nginx}"}
    assert ev["metadata"]["name"].startswith("web-0.")
    assert ev["metadata"]["namespace"] == "shop"
    assert (ev["type"], ev["reason"], ev["message"], ev["count"]) == \
        ("Normal", "Started", "Started container nginx", 1)
    assert ev["source"] == {"component": "kubelet", "host": "node-1"}
    assert (ev["reportingComponent"], ev["reportingInstance"]) == ("kubelet", "node-1")
    assert ev["firstTimestamp"] == ev["lastTimestamp"]


async def test_repeats_are_counted_and_other_containers_get_their_own(api, running):
    rec = AgentEvents(api, "node-1")
    running(rec.run)
    message = "Back-off restarting failed container app in pod web-0_shop(u1)"
    rec.record(POD, "Warning", "BackOff", message, container="app")
    await eventually(lambda: len(stored(api)) == 1)
    rec.record(POD, "Warning", "BackOff", message, container="app")
    await eventually(lambda: stored(api)[0]["count"] == 2)
    rec.record(POD, "Warning", "BackOff", message, container="app", init=True)
    await eventually(lambda: len(stored(api)) == 2)
    paths = sorted(e["involvedObject"]["fieldPath"] for e in stored(api))
    assert paths == ["spec.containers{app}", "spec.initContainers{app}"]


def test_a_full_queue_drops_and_is_counted(api):
    rec = AgentEvents(api, "node-1", capacity=2)
    for i in range(3):
        rec.record(POD, "Normal", "Pulled", f"m{i}")  # nobody drains yet: the third drops
    assert rec.dropped == 1 and rec.pending() == 2


def test_no_events_takes_anything():
    NoEvents().record(POD, "Warning", "Failed", "x", container="c")


async def test_every_failed_check_is_reported(monkeypatch):
    outcomes = iter([(False, "HTTP probe failed with statuscode: 500"),
                     (False, "HTTP probe failed with statuscode: 503")])

    async def check(spec: ProbeSpec, target: Target) -> tuple[bool, str]:
        return next(outcomes)

    monkeypatch.setattr(probecheck, "check", check)
    failures: list[tuple[ProbeKind, str]] = []
    clock = FakeClock()
    spec = ProbeSpec("liveness", {"httpGet": {"port": 80}}, period=1.0, failure_threshold=2)
    probes = ContainerProbes({"liveness": spec}, Target("", "10.244.0.2", {}, None, {}),
                             lambda: None, clock=clock,
                             on_failure=lambda k, m: failures.append((k, m)))
    probes.start()
    try:
        await eventually(lambda: clock.pending == 1)
        await clock.advance(0)   # the (zero) initial delay
        await eventually(lambda: len(failures) == 1)
        await eventually(lambda: clock.pending == 1)
        await clock.advance(1.0)
        await eventually(lambda: probes.failure is not None)
    finally:
        await probes.stop()
    assert failures == [("liveness", "HTTP probe failed with statuscode: 500"),
                        ("liveness", "HTTP probe failed with statuscode: 503")]
