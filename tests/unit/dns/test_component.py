"""ClusterDns in the current namespace on 127.0.0.1 (free ports), fed by informers over the
fake API: it answers the zone over UDP and TCP, forwards other names to a fake upstream on
127.0.0.1, serves metrics, publishes kube-dns, and serves before the informers sync. No
packet leaves loopback; nothing is bound on port 53."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import dns.asyncquery
import dns.message
import dns.rcode
import pytest

from tinykube.api import kinds
from tinykube.dns.component import ClusterDns
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.clock import FakeClock
from tinykube.testing.dns import FakeUpstream, endpoint, endpoint_slice, service
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

HOST = "127.0.0.1"
SVC = "web.default.svc.cluster.local."


@dataclass
class Running:
    api: FakeApi
    dns: ClusterDns
    upstream: FakeUpstream
    factory: InformerFactory
    tasks: list[asyncio.Task[None]]

    def start_informers(self) -> None:
        self.tasks.append(asyncio.create_task(self.factory.run()))

    async def udp(self, name: str, rdtype: str = "A") -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)
        return await dns.asyncquery.udp(q, HOST, port=self.dns.port, timeout=3)

    async def tcp(self, name: str, rdtype: str = "A") -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)
        return await dns.asyncquery.tcp(q, HOST, port=self.dns.port, timeout=3)


async def _objects(api: FakeApi) -> None:
    for ns in ("default", "kube-system"):
        await api.create(kinds.NAMESPACE, {"metadata": {"name": ns}})
    await api.create(kinds.SERVICE, service("web", "default", ip="10.96.5.5",
                                            ports=[("http", 80, "TCP")]))


async def _start(*, informers: bool = True, sync_timeout: float = 5.0,
                 resync: float = 30.0) -> Running:
    api = FakeApi()
    await _objects(api)
    upstream = FakeUpstream({("db.example.com", "A"): ["192.0.2.10"]})
    await upstream.start()
    factory = InformerFactory(api, clock=FakeClock())
    cluster_dns = ClusterDns(api, factory, netns=None, listen_ip=HOST, port=0, metrics_port=0,
                             upstreams=[upstream.address], sync_timeout=sync_timeout,
                             resync=resync)
    r = Running(api, cluster_dns, upstream, factory, [])
    r.tasks.append(asyncio.create_task(cluster_dns.run()))
    if informers:
        r.start_informers()
    await asyncio.wait_for(cluster_dns.ready.wait(), 5)
    return r


async def _stop(r: Running) -> None:
    for task in r.tasks:
        task.cancel()
    results = await asyncio.gather(*r.tasks, return_exceptions=True)
    await r.upstream.close()
    for result in results:
        if not isinstance(result, asyncio.CancelledError):
            raise AssertionError(f"component ended with {result!r}")


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    r = await _start()
    try:
        yield r
    finally:
        await _stop(r)


def addresses(msg: dns.message.Message) -> list[str]:
    return sorted(rr.to_text() for rrset in msg.answer for rr in rrset)


async def test_answers_the_zone_over_udp_and_tcp_as_objects_change(running: Running) -> None:
    await asyncio.wait_for(running.dns.published.wait(), 5)
    assert addresses(await running.udp(SVC)) == ["10.96.5.5"]
    assert addresses(await running.tcp(SVC)) == ["10.96.5.5"]
    await running.api.create(kinds.SERVICE, service("db", "default", ports=[("pg", 5432, "TCP")]))
    await running.api.create(kinds.ENDPOINT_SLICE, endpoint_slice(
        "db", "default", endpoints=[endpoint("10.244.0.7")], ports=[("pg", 5432, "TCP")]))

    async def served() -> bool:
        return addresses(await running.udp("db.default.svc.cluster.local.")) == ["10.244.0.7"]
    await eventually(served)
    missing = await running.udp("nope.default.svc.cluster.local.")
    assert missing.rcode() == dns.rcode.NXDOMAIN


async def test_names_outside_the_zone_go_to_the_upstream(running: Running) -> None:
    reply = await running.udp("db.example.com.")
    assert addresses(reply) == ["192.0.2.10"]
    assert ("db.example.com", "A", "udp") in running.upstream.queries


async def test_kube_dns_service_is_published_without_a_loopback_address(
        running: Running) -> None:
    await asyncio.wait_for(running.dns.published.wait(), 5)
    svc = running.api.find(kinds.SERVICE, "kube-dns", "kube-system")
    assert svc is not None
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert [p["name"] for p in svc["spec"]["ports"]] == ["dns", "dns-tcp", "metrics"]
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == [running.dns.port] * 2 + [
        running.dns.metrics_port]
    # 127.0.0.1 cannot be an Endpoints address: the API would refuse it.
    assert running.api.find(kinds.ENDPOINTS, "kube-dns", "kube-system") is None


async def test_metrics_are_served_next_to_the_server(running: Running) -> None:
    await running.udp(SVC)
    reader, writer = await asyncio.open_connection(HOST, running.dns.metrics_port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    body = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    assert body.startswith("HTTP/1.1 200 OK")
    assert 'tinykube_dns_queries_total{type="A"}' in body


async def test_serves_before_the_informers_sync_with_servfail_for_missing_names() -> None:
    r = await _start(informers=False, sync_timeout=0.05)
    try:
        await asyncio.wait_for(r.dns.published.wait(), 5)  # after the timeout, anyway
        assert r.api.find(kinds.SERVICE, "kube-dns", "kube-system") is not None
        early = await r.udp("nope.default.svc.cluster.local.")
        assert early.rcode() == dns.rcode.SERVFAIL
        r.start_informers()

        async def synced() -> bool:
            msg = await r.udp("nope.default.svc.cluster.local.")
            return msg.rcode() == dns.rcode.NXDOMAIN
        await eventually(synced)
    finally:
        await _stop(r)


async def test_a_deleted_kube_dns_comes_back_on_resync() -> None:
    r = await _start(resync=0.01)
    try:
        await asyncio.wait_for(r.dns.published.wait(), 5)
        await r.api.delete(kinds.SERVICE, "kube-dns", "kube-system")
        await eventually(lambda: r.api.find(kinds.SERVICE, "kube-dns", "kube-system") is not None)
    finally:
        await _stop(r)


async def test_a_restarted_component_serves_the_same_zone_again() -> None:
    r = await _start()
    try:
        await asyncio.wait_for(r.dns.published.wait(), 5)
        zone, port = r.dns.zone, r.dns.port
        first = r.tasks.pop(0)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        r.tasks.append(asyncio.create_task(r.dns.run()))
        await asyncio.wait_for(r.dns.published.wait(), 5)
        assert r.dns.zone is zone  # not a second set of handlers on the shared informers
        assert r.dns.port == port
        await r.api.create(kinds.SERVICE, service("late", "default", ip="10.96.6.6"))

        async def served() -> bool:
            msg = await r.udp("late.default.svc.cluster.local.")
            return addresses(msg) == ["10.96.6.6"]
        await eventually(served)
    finally:
        await _stop(r)
