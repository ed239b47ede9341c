"""The server over real UDP and TCP sockets on 127.0.0.1, with a fake upstream resolver
on 127.0.0.1 for forwarding. No packet leaves loopback."""

from __future__ import annotations

import asyncio
import pathlib
import socket
import threading
from collections.abc import AsyncIterator

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import pytest

from tinykube.dns.config import Config
from tinykube.dns.forward import Forwarder
from tinykube.dns.server import DnsServer, serve_metrics
from tinykube.dns.zone import Zone
from tinykube.testing.dns import FakeUpstream, endpoint, endpoint_slice, populate, rrs, service

T = "testns.svc.cluster.local."
HOST = "127.0.0.1"


@pytest.fixture
def zone() -> Zone:
    z = populate(Zone(Config.build(ns_addresses=("172.18.0.2",))))
    z.upsert_service(service("big", ports=[("http", 80, "TCP")]))
    z.upsert_slice(endpoint_slice("big", endpoints=[endpoint(f"10.1.0.{i}")
                                                    for i in range(1, 101)]))
    return z


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    up = FakeUpstream({("db.example.com", "A"): ["192.0.2.10"],
                       ("ext.interwebs.test", "A"): ["192.0.2.7"],
                       ("many.example.com", "TXT"): [f'"{i}{"x" * 200}"' for i in range(10)]})
    await up.start()
    yield up
    await up.close()


@pytest.fixture(params=[True, False], ids=["mmsg", "plain"])
async def server(zone: Zone, upstream: FakeUpstream, request: pytest.FixtureRequest
                 ) -> AsyncIterator[DnsServer]:
    """Both UDP loops: recvmmsg/sendmmsg batches, and one recvfrom/sendto per query."""
    fwd = Forwarder([upstream.address], timeout=1.0, attempt_timeout=0.5)
    async with DnsServer(zone, forwarder=fwd, host=HOST, port=0, batched=request.param) as s:
        yield s
    await fwd.close()


async def udp(server: DnsServer, name: str, rdtype: str = "A", **kw: object
              ) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, **kw)  # type: ignore[arg-type]
    return await dns.asyncquery.udp(q, HOST, port=server.port, timeout=3)


async def tcp(server: DnsServer, name: str, rdtype: str = "A") -> dns.message.Message:
    q = dns.message.make_query(name, rdtype)
    return await dns.asyncquery.tcp(q, HOST, port=server.port, timeout=3)


async def test_udp_and_tcp_answer_from_the_zone(server: DnsServer) -> None:
    for ask in (udp, tcp):
        msg = await ask(server, f"svc1.{T}")
        assert rrs(msg.answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
        assert msg.flags & dns.flags.AA
    assert (await udp(server, f"nope.{T}")).rcode() == dns.rcode.NXDOMAIN


async def test_truncation_then_tcp_retry(server: DnsServer) -> None:
    q = dns.message.make_query(f"big.{T}", "A")
    msg, used_tcp = await dns.asyncquery.udp_with_fallback(q, HOST, port=server.port, timeout=3)
    assert used_tcp and len(msg.answer[0]) == 100
    truncated = await udp(server, f"big.{T}")
    assert truncated.flags & dns.flags.TC and truncated.answer == []


async def test_edns_buffer_sizes(zone: Zone) -> None:
    async with DnsServer(zone, host=HOST, port=0, max_udp=4096) as s:
        big = await udp(s, f"big.{T}", use_edns=0, payload=4096)
        assert not big.flags & dns.flags.TC and len(big.answer[0]) == 100
        small = await udp(s, f"big.{T}", use_edns=0, payload=1232)
        assert small.flags & dns.flags.TC


async def test_tcp_several_queries_per_connection(server: DnsServer) -> None:
    reader, writer = await asyncio.open_connection(HOST, server.port)
    queries = [dns.message.make_query(f"{n}.{T}", "A") for n in ("svc1", "hdls1", "nope")]
    queries.append(dns.message.make_query("db.example.com.", "A"))  # forwarded, answered later
    for q in queries:
        wire = q.to_wire()
        writer.write(len(wire).to_bytes(2, "big") + wire)
    await writer.drain()
    replies = {}
    for _ in queries:
        size = int.from_bytes(await reader.readexactly(2), "big")
        msg = dns.message.from_wire(await reader.readexactly(size))
        replies[msg.id] = msg
    writer.close()
    assert set(replies) == {q.id for q in queries}
    assert replies[queries[2].id].rcode() == dns.rcode.NXDOMAIN
    assert rrs(replies[queries[3].id].answer) == ["db.example.com. 60 IN A 192.0.2.10"]


async def test_tcp_idle_connection_is_closed(zone: Zone) -> None:
    async with DnsServer(zone, host=HOST, port=0, tcp_idle=0.2) as s:
        reader, writer = await asyncio.open_connection(HOST, s.port)
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()


async def test_forwarded_and_cached(server: DnsServer, upstream: FakeUpstream) -> None:
    first = await udp(server, "DB.example.com.")
    assert rrs(first.answer) == ["DB.example.com. 60 IN A 192.0.2.10"]  # spelling echoed
    second = await udp(server, "db.example.com.")
    assert rrs(second.answer) == ["db.example.com. 60 IN A 192.0.2.10"]
    assert upstream.queries == [("db.example.com", "A", "udp")]
    assert server.metrics.cache_hits == 1 and server.metrics.forwarded == 1
    missing = await udp(server, "nothere.example.com.")
    assert missing.rcode() == dns.rcode.NXDOMAIN and not missing.flags & dns.flags.AA


async def test_upstream_truncation_is_retried_over_tcp(zone: Zone) -> None:
    up = FakeUpstream({("many.example.com", "TXT"): [f'"{i}{"x" * 200}"' for i in range(10)]},
                      truncate_udp=True)
    await up.start()
    fwd = Forwarder([up.address], timeout=1.0)
    try:
        async with DnsServer(zone, forwarder=fwd, host=HOST, port=0) as s:
            over_udp = await udp(s, "many.example.com.", "TXT")
            assert over_udp.flags & dns.flags.TC  # the UDP client retries by itself
            over_tcp = await tcp(s, "many.example.com.", "TXT")
            assert len(over_tcp.answer[0]) == 10
            assert ("many.example.com", "TXT", "tcp") in up.queries
    finally:
        await fwd.close()
        await up.close()


async def test_silent_upstream_gives_servfail_within_the_timeout(zone: Zone) -> None:
    up = FakeUpstream(silent=True)
    await up.start()
    fwd = Forwarder([up.address], timeout=0.3, attempt_timeout=0.1)
    try:
        async with DnsServer(zone, forwarder=fwd, host=HOST, port=0) as s:
            msg = await udp(s, "db.example.com.")
            assert msg.rcode() == dns.rcode.SERVFAIL
            assert msg.question[0].name.to_text() == "db.example.com."
            assert len(up.queries) >= 2  # retried before giving up
            assert fwd.metrics.forward_failures == 1
    finally:
        await fwd.close()
        await up.close()


async def test_dead_upstream_gives_servfail(zone: Zone) -> None:
    up = FakeUpstream()
    address = await up.start()
    await up.close()  # nobody listens there any more: ICMP port unreachable
    fwd = Forwarder([address], timeout=1.0, attempt_timeout=0.5)
    try:
        async with DnsServer(zone, forwarder=fwd, host=HOST, port=0) as s:
            assert (await udp(s, "db.example.com.")).rcode() == dns.rcode.SERVFAIL
            assert (await tcp(s, "db.example.com.")).rcode() == dns.rcode.SERVFAIL
    finally:
        await fwd.close()


async def test_no_forwarder_is_servfail(zone: Zone) -> None:
    async with DnsServer(zone, host=HOST, port=0) as s:
        assert (await udp(s, "db.example.com.")).rcode() == dns.rcode.SERVFAIL


async def test_external_name_chased_upstream(server: DnsServer) -> None:
    msg = await udp(server, f"external.{T}")
    assert rrs(msg.answer) == sorted([f"external.{T} 5 IN CNAME ext.interwebs.test.",
                                      "ext.interwebs.test. 60 IN A 192.0.2.7"])
    tcp_msg = await tcp(server, f"external.{T}")
    assert rrs(tcp_msg.answer) == rrs(msg.answer)


async def test_reuse_port_lets_two_servers_share(zone: Zone) -> None:
    async with DnsServer(zone, host=HOST, port=0, reuse_port=True) as first:
        second = DnsServer(zone, host=HOST, port=first.port, reuse_port=True)
        await second.start()
        try:
            assert second.port == first.port
            assert rrs((await udp(second, f"svc1.{T}")).answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
        finally:
            await second.close()


async def test_garbage_gets_formerr_or_nothing(server: DnsServer) -> None:
    loop = asyncio.get_running_loop()
    received: asyncio.Queue[bytes] = asyncio.Queue()

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            received.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Client, remote_addr=(HOST, server.port))
    try:
        transport.sendto(b"\x01\x02")  # not even a header: dropped
        transport.sendto(b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab")
        reply = await asyncio.wait_for(received.get(), 3)
        assert reply[:2] == b"\xbe\xef" and reply[3] & 0xF == dns.rcode.FORMERR
        assert (await udp(server, f"svc1.{T}")).answer  # and the server still serves
    finally:
        transport.close()


async def test_metrics_after_traffic(server: DnsServer) -> None:
    await udp(server, f"svc1.{T}")
    await udp(server, f"nope.{T}", "AAAA")
    await udp(server, "db.example.com.")
    text = server.metrics.render()
    assert 'tinykube_dns_queries_total{type="A"} 2' in text
    assert 'tinykube_dns_queries_total{type="AAAA"} 1' in text
    assert 'tinykube_dns_responses_total{rcode="NXDOMAIN"} 1' in text
    assert 'tinykube_dns_responses_total{rcode="NOERROR"} 2' in text
    assert "tinykube_dns_forwarded_total 1" in text
    assert "tinykube_dns_request_duration_seconds_count 3" in text


@pytest.mark.parametrize("given_socket", [False, True])
async def test_metrics_over_http(server: DnsServer, given_socket: bool) -> None:
    await udp(server, f"svc1.{T}")
    if given_socket:  # as the component does with a socket made in the node's namespace
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        http = await serve_metrics(server.metrics, sock=sock)
    else:
        http = await serve_metrics(server.metrics, HOST, 0)
    port = http.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 3)
        writer.close()
        assert data.startswith(b"HTTP/1.1 200 OK")
        assert b'tinykube_dns_queries_total{type="A"} 1' in data
    finally:
        http.close()
        await http.wait_closed()


def test_forwarder_from_resolv_conf(tmp_path: pathlib.Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\nnameserver ::1\n")
    assert Forwarder.from_resolv_conf(str(conf)).upstreams == [("127.0.0.1", 53), ("::1", 53)]


async def test_repeated_queries_rotate_over_udp(server: DnsServer) -> None:
    answers = [await udp(server, f"hdls1.{T}") for _ in range(9)]
    expected = sorted(f"hdls1.{T} 5 IN A 172.0.0.{i}" for i in (2, 3, 4, 6))
    assert all(rrs(m.answer) == expected for m in answers)
    assert {m.answer[0][0].to_text() for m in answers} == {f"172.0.0.{i}" for i in (2, 3, 4, 6)}


async def test_a_zone_change_is_served_at_once(server: DnsServer, zone: Zone) -> None:
    for _ in range(2):  # the second one is answered from the ready reply
        assert (await udp(server, f"fresh.{T}")).rcode() == dns.rcode.NXDOMAIN
    zone.upsert_service(service("fresh", ip="10.0.0.77"))
    assert rrs((await udp(server, f"fresh.{T}")).answer) == [f"fresh.{T} 5 IN A 10.0.0.77"]
    zone.upsert_service(service("fresh", ip="10.0.0.78"))
    assert rrs((await udp(server, f"fresh.{T}")).answer) == [f"fresh.{T} 5 IN A 10.0.0.78"]


async def test_ready_replies_reach_the_metrics(server: DnsServer) -> None:
    for _ in range(5):
        await udp(server, f"svc1.{T}")
    for _ in range(100):  # hits are handed over when the UDP thread goes idle
        if server.metrics.queries.get(1) == 5:
            break
        await asyncio.sleep(0.05)
    assert server.metrics.queries == {1: 5}
    assert server.metrics.responses == {dns.rcode.NOERROR: 5}
    assert "tinykube_dns_request_duration_seconds_count 5" in server.metrics.render()


async def test_oversized_datagram_is_dropped(server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(dns.message.make_query(f"svc1.{T}", "A").to_wire() + b"\0" * 5000,
                 (HOST, server.port))
    assert rrs((await udp(server, f"svc1.{T}")).answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
    for _ in range(100):
        if server.metrics.dropped:
            break
        await asyncio.sleep(0.05)
    assert server.metrics.dropped == 1


def _same_port_pair() -> tuple[socket.socket, socket.socket]:
    """A UDP and a listening TCP socket on one port (a random UDP port may be taken for TCP,
    so try a few)."""
    for _ in range(50):
        udp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp_sock.bind((HOST, 0))
        tcp_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp_sock.bind((HOST, udp_sock.getsockname()[1]))
        except OSError:
            udp_sock.close()
            tcp_sock.close()
            continue
        tcp_sock.listen()
        return udp_sock, tcp_sock
    raise AssertionError("no port free for both UDP and TCP")


async def test_handed_over_sockets(zone: Zone) -> None:
    udp_sock, tcp_sock = _same_port_pair()
    udp_sock.setblocking(False)  # as a caller preparing sockets for asyncio would
    tcp_sock.setblocking(False)
    async with DnsServer(zone, sockets=(udp_sock, tcp_sock)) as s:
        assert s.port == udp_sock.getsockname()[1]
        for ask in (udp, tcp):
            assert rrs((await ask(s, f"svc1.{T}")).answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
    assert udp_sock.fileno() == -1  # the server closed what it was given


async def test_close_stops_the_udp_thread(zone: Zone) -> None:
    before = {t for t in threading.enumerate() if t.name == "dns-udp"}
    async with DnsServer(zone, host=HOST, port=0) as s:
        await udp(s, f"svc1.{T}")
        running = {t for t in threading.enumerate() if t.name == "dns-udp"} - before
        assert len(running) == 1
    assert not any(t.is_alive() for t in running)


async def test_forwards_beyond_the_backlog_get_servfail_at_once(zone: Zone) -> None:
    up = FakeUpstream({("db.example.com", "A"): ["192.0.2.10"]})
    await up.start()
    fwd = Forwarder([up.address], timeout=1.0)
    try:
        async with DnsServer(zone, forwarder=fwd, host=HOST, port=0, max_pending=0) as s:
            assert (await udp(s, "db.example.com.")).rcode() == dns.rcode.SERVFAIL
            assert up.queries == []
            assert rrs((await udp(s, f"svc1.{T}")).answer) == [f"svc1.{T} 5 IN A 10.0.0.1"]
    finally:
        await fwd.close()
        await up.close()
