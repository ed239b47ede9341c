"""Test helpers for the DNS component: API objects as Kubernetes writes them, a cluster
shaped like CoreDNS's own handler tests, queries built and parsed with dnspython, and a
fake upstream resolver on loopback that the forwarder can be pointed at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from tinykube.dns.answer import answer
from tinykube.dns.zone import Zone

Obj = dict[str, Any]


def service(name: str, ns: str = "testns", *, ip: str | list[str] | None = None,
            ports: list[tuple[str, int, str]] | None = None, external: str = "",
            kind: str = "") -> Obj:
    spec: Obj = {"ports": [{"name": n, "port": p, "protocol": proto}
                           for n, p, proto in (ports or [])]}
    if external:
        spec.update(type="ExternalName", externalName=external)
    else:
        ips = [ip] if isinstance(ip, str) else (ip or ["None"])
        spec.update(type=kind or "ClusterIP", clusterIP=ips[0], clusterIPs=ips)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def endpoint(address: str | list[str], *, hostname: str = "", ready: bool | None = True,
             pod: str = "") -> Obj:
    ep: Obj = {"addresses": [address] if isinstance(address, str) else address}
    if ready is not None:
        ep["conditions"] = {"ready": ready}
    if hostname:
        ep["hostname"] = hostname
    if pod:
        ep["targetRef"] = {"kind": "Pod", "name": pod, "namespace": "x"}
    return ep


def endpoint_slice(svc: str, ns: str = "testns", *, name: str = "",
                   endpoints: list[Obj] | None = None,
                   ports: list[tuple[str, int, str]] | None = None,
                   family: str = "IPv4") -> Obj:
    return {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": name or f"{svc}-{family.lower()}", "namespace": ns,
                     "labels": {"kubernetes.io/service-name": svc}},
        "addressType": family,
        "endpoints": endpoints or [],
        "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in (ports or [])],
    }


def pod(name: str, ns: str, ip: str, phase: str = "Running") -> Obj:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}]}}


HTTP = [("http", 80, "TCP")]


def populate(zone: Zone) -> Zone:
    """The cluster most tests ask about (names follow CoreDNS's handler_test.go)."""
    for obj in (
        service("svc1", ip="10.0.0.1", ports=HTTP),
        endpoint_slice("svc1", endpoints=[endpoint("172.0.0.1", hostname="ep1a")], ports=HTTP),
        service("svcempty", ip="10.0.0.2", ports=HTTP),
        service("svc6", ip="1234:abcd::1", ports=HTTP),
        service("svc-dual-stack", ip=["10.0.0.3", "10::3"], ports=HTTP),
        service("hdls1", ports=HTTP),
        endpoint_slice("hdls1", endpoints=[
            endpoint("172.0.0.2", hostname="dup-name"),
            endpoint("172.0.0.3", hostname="dup-name"),
            endpoint("172.0.0.4"),
            endpoint("172.0.0.5", ready=False),
            endpoint("172.0.0.6", ready=None),
        ], ports=[("http", 8080, "TCP")]),
        endpoint_slice("hdls1", family="IPv6", endpoints=[
            endpoint("5678:abcd::1"), endpoint("5678:abcd::2"),
        ], ports=[("http", 8080, "TCP")]),
        service("hdlsprtls"),
        endpoint_slice("hdlsprtls", endpoints=[endpoint("172.0.0.20")]),
        service("hdls-unready", ports=HTTP),
        endpoint_slice("hdls-unready", endpoints=[endpoint("172.0.0.30", ready=False)],
                       ports=HTTP),
        service("external", external="ext.interwebs.test", ports=HTTP),
        service("external-to-service", external="svc1.testns.svc.cluster.local"),
        service("external-ip", external="1.2.3.4"),
        service("nginx", "default", ports=[("web", 80, "TCP")]),
        endpoint_slice("nginx", "default", endpoints=[
            endpoint("10.244.0.5", hostname="web-0"), endpoint("10.244.0.6", hostname="web-1"),
        ], ports=[("web", 80, "TCP")]),
        service("kubernetes", "default", ip="10.96.0.1", ports=[("https", 443, "TCP")]),
        service("kube-dns", "kube-system", ip="10.96.0.10",
                ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]),
        endpoint_slice("kube-dns", "kube-system", endpoints=[endpoint("172.18.0.2")],
                       ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]),
    ):
        if obj["kind"] == "Service":
            zone.upsert_service(obj)
        else:
            zone.upsert_slice(obj)
    zone.upsert_pod(pod("web-0", "default", "10.244.0.5"))
    zone.upsert_pod(pod("pod1", "podns", "10.240.0.1"))
    zone.upsert_pod(pod("pod2", "podns", "10.240.0.2", phase="Succeeded"))
    zone.upsert_pod(pod("pod6", "podns", "fd00:10:244:2::7"))
    return zone


def ask_zone(zone: Zone, name: str, rdtype: str = "A", *, edns: int = -1,
             payload: int = 1232, dnssec: bool = False, tcp: bool = False,
             max_udp: int = 1232) -> dns.message.Message:
    """Query the zone through ``answer`` and parse the reply; fails on non-bytes."""
    q = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload,
                               want_dnssec=dnssec)
    reply = answer(q.to_wire(), zone, tcp=tcp, max_udp=max_udp)
    assert isinstance(reply, bytes), f"{name} {rdtype}: expected bytes, got {reply!r}"
    msg = dns.message.from_wire(reply)
    assert msg.id == q.id
    assert msg.flags & dns.flags.QR
    return msg


def rrs(section: list[Any]) -> list[str]:
    """Records of a section as sorted ``owner ttl class type rdata`` lines."""
    return sorted(line for rrset in section for line in rrset.to_text().splitlines())


def rdtype(name: str) -> int:
    return int(dns.rdatatype.from_text(name))


class FakeUpstream:
    """A resolver on 127.0.0.1 (UDP and TCP, same port) answering from ``records``.

    ``records`` maps (name, type) to rdata texts, e.g. ``("db.example.com", "A"):
    ["192.0.2.10"]``; other names get NXDOMAIN with an SOA (minimum 30). ``silent`` drops
    every query; ``truncate_udp`` answers UDP with TC set and no records. Every query seen
    is appended to ``queries`` as (name, type, "udp" | "tcp").
    """

    def __init__(self, records: dict[tuple[str, str], list[str]] | None = None, *,
                 ttl: int = 60, silent: bool = False, truncate_udp: bool = False) -> None:
        self.records = {(n.lower().rstrip("."), t): v for (n, t), v in (records or {}).items()}
        self.ttl = ttl
        self.silent = silent
        self.truncate_udp = truncate_udp
        self.queries: list[tuple[str, str, str]] = []
        self.address: tuple[str, int] = ("127.0.0.1", 0)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    def reply(self, data: bytes, transport: str) -> bytes | None:
        q = dns.message.from_wire(data)
        name = q.question[0].name.to_text().lower().rstrip(".")
        qtype = dns.rdatatype.to_text(q.question[0].rdtype)
        self.queries.append((name, qtype, transport))
        if self.silent:
            return None
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        if transport == "udp" and self.truncate_udp:
            r.flags |= dns.flags.TC
            return r.to_wire()
        values = self.records.get((name, qtype))
        if values:
            r.answer.append(dns.rrset.from_text(q.question[0].name, self.ttl, "IN", qtype,
                                                *values))
        elif not any(n == name for n, _ in self.records):
            r.set_rcode(dns.rcode.NXDOMAIN)
            r.authority.append(dns.rrset.from_text(
                "test.", self.ttl, "IN", "SOA", "ns.test. host.test. 1 7200 1800 86400 30"))
        return r.to_wire()

    async def start(self) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        upstream = self

        class Udp(asyncio.DatagramProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

            def datagram_received(self, data: bytes, addr: Any) -> None:
                out = upstream.reply(data, "udp")
                if out is not None:
                    self.transport.sendto(out, addr)  # type: ignore[attr-defined]

        for _ in range(20):
            udp, _ = await loop.create_datagram_endpoint(Udp, local_addr=("127.0.0.1", 0))
            port = udp.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, "127.0.0.1", port)
            except OSError:
                udp.close()
                continue
            self._udp, self.address = udp, ("127.0.0.1", port)
            return self.address
        raise OSError("no free port for the fake upstream")

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(2), "big")
                out = self.reply(await reader.readexactly(size), "tcp")
                if out is not None:
                    writer.write(len(out).to_bytes(2, "big") + out)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()




# The type of the ``ask`` fixture: ``ask(qname, qtype="A", **ask_zone options)``.
Ask = Callable[..., dns.message.Message]
