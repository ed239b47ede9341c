"""Informers to zone: a Service and its slice created through the (fake) API are served,
an update replaces them, a delete removes them; NXDOMAIN is SERVFAIL until synced."""

from __future__ import annotations

import asyncio

import dns.rcode

from tinykube.api import kinds
from tinykube.dns import feed
from tinykube.dns.config import Config
from tinykube.dns.zone import Zone
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.clock import FakeClock
from tinykube.testing.dns import ask_zone, endpoint, endpoint_slice, pod, service
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

SVC = "web.default.svc.cluster.local."


def answers(zone: Zone, name: str) -> list[str]:
    return sorted(rr.address for rrset in ask_zone(zone, name).answer for rr in rrset)


async def test_informer_events_reach_the_zone() -> None:
    api = FakeApi()
    await api.create(kinds.NAMESPACE, {"metadata": {"name": "default"}})
    await api.create(kinds.SERVICE, service("web", "default", ports=[("http", 80, "TCP")]))
    zone = Zone(Config(), track_namespaces=True)
    factory = InformerFactory(api, clock=FakeClock())
    informers = feed.attach(zone, factory, namespaces=True)
    assert not zone.synced
    assert ask_zone(zone, f"nope.{SVC}").rcode() == dns.rcode.SERVFAIL
    task = asyncio.create_task(factory.run())
    try:
        await asyncio.wait_for(feed.mark_synced(zone, informers), 5)
        assert zone.synced
        assert ask_zone(zone, SVC).rcode() == dns.rcode.NXDOMAIN  # headless, nothing ready
        sl = endpoint_slice("web", "default", endpoints=[endpoint("10.244.0.5")],
                            ports=[("http", 80, "TCP")])
        await api.create(kinds.ENDPOINT_SLICE, sl)
        await eventually(lambda: answers(zone, SVC) == ["10.244.0.5"])
        current = api.find(kinds.ENDPOINT_SLICE, sl["metadata"]["name"], "default")
        assert current is not None
        current["endpoints"] = [endpoint("10.244.0.5", ready=False), endpoint("10.244.0.6")]
        await api.update(kinds.ENDPOINT_SLICE, current)
        await eventually(lambda: answers(zone, SVC) == ["10.244.0.6"])
        await api.create(kinds.POD, pod("p", "default", "10.244.0.6"))
        await eventually(lambda: answers(zone, "10-244-0-6.default.pod.cluster.local.")
                         == ["10.244.0.6"])
        await api.delete(kinds.ENDPOINT_SLICE, sl["metadata"]["name"], "default")
        await eventually(lambda: ask_zone(zone, SVC).rcode() == dns.rcode.NXDOMAIN)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
