"""The record rules of dns-spec.md (R1-R31), asked over real DNS wire format.

Each row is a question and the whole expected answer: rcode, answer records, and whether
the zone's SOA is in authority (negative answers) — the way CoreDNS's handler tests
state them. Queries and replies are built and parsed by dnspython, not by our code.
"""

from __future__ import annotations

import dns.flags
import dns.rcode
import pytest

from tinykube.dns.answer import FORWARD, Chase, answer
from tinykube.dns.zone import Zone
from tinykube.testing.dns import Ask, rrs

T = "testns.svc.cluster.local."
NX, OK = "NXDOMAIN", "NOERROR"


def a(name: str, ip: str, kind: str = "A") -> str:
    return f"{name} 5 IN {kind} {ip}"


def srv(owner: str, weight: int, port: int, target: str) -> str:
    return f"{owner} 5 IN SRV 0 {weight} {port} {target}"


# (rule, qname, qtype, rcode, answer lines; None: NODATA/NXDOMAIN with the SOA)
CASES: list[tuple[str, str, str, str, list[str] | None]] = [
    ("R10", f"svc1.{T}", "A", OK, [a(f"svc1.{T}", "10.0.0.1")]),
    ("R10", f"svc1.{T}", "AAAA", OK, None),
    ("R10", f"svc6.{T}", "AAAA", OK, [a(f"svc6.{T}", "1234:abcd::1", "AAAA")]),
    ("R10", f"svc6.{T}", "A", OK, None),
    ("R10", f"svc-dual-stack.{T}", "A", OK, [a(f"svc-dual-stack.{T}", "10.0.0.3")]),
    ("R10", f"svc-dual-stack.{T}", "AAAA", OK, [a(f"svc-dual-stack.{T}", "10::3", "AAAA")]),
    ("R11", f"svcempty.{T}", "A", OK, [a(f"svcempty.{T}", "10.0.0.2")]),
    ("R12", f"_http._tcp.svc1.{T}", "SRV", OK, [srv(f"_http._tcp.svc1.{T}", 100, 80, f"svc1.{T}")]),
    ("R12", f"_https._tcp.svc1.{T}", "SRV", NX, None),
    ("R12", f"_http._udp.svc1.{T}", "SRV", NX, None),
    ("R12", f"_HTTP._TCP.svc1.{T}", "SRV", OK,
     [srv(f"_HTTP._TCP.svc1.{T}", 100, 80, f"svc1.{T}")]),
    ("R13", f"_http._tcp.svc-dual-stack.{T}", "SRV", OK,
     [srv(f"_http._tcp.svc-dual-stack.{T}", 50, 80, f"svc-dual-stack.{T}")]),
    ("R14", f"svc1.{T}", "SRV", OK, [srv(f"svc1.{T}", 100, 80, f"svc1.{T}")]),
    ("R14", f"external.{T}", "SRV", OK, None),
    ("R15", f"hdls1.{T}", "A", OK, [a(f"hdls1.{T}", f"172.0.0.{i}") for i in (2, 3, 4, 6)]),
    ("R15", f"hdls1.{T}", "AAAA", OK,
     [a(f"hdls1.{T}", f"5678:abcd::{i}", "AAAA") for i in (1, 2)]),
    ("R15", f"hdls-unready.{T}", "A", NX, None),
    ("R16", f"172-0-0-5.hdls1.{T}", "A", NX, None),
    ("R16", f"172-0-0-6.hdls1.{T}", "A", OK, [a(f"172-0-0-6.hdls1.{T}", "172.0.0.6")]),
    ("R17", f"172-0-0-4.hdls1.{T}", "A", OK, [a(f"172-0-0-4.hdls1.{T}", "172.0.0.4")]),
    ("R17", f"172-0-0-2.hdls1.{T}", "A", NX, None),
    ("R17", f"5678-abcd--1.hdls1.{T}", "AAAA", OK,
     [a(f"5678-abcd--1.hdls1.{T}", "5678:abcd::1", "AAAA")]),
    ("R18", f"dup-name.hdls1.{T}", "A", OK,
     [a(f"dup-name.hdls1.{T}", "172.0.0.2"), a(f"dup-name.hdls1.{T}", "172.0.0.3")]),
    ("R18", f"dup-name.hdls1.{T}", "AAAA", OK, None),
    ("R18", f"nope.hdls1.{T}", "A", NX, None),
    ("R18", f"ep1a.svc1.{T}", "A", OK, [a(f"ep1a.svc1.{T}", "172.0.0.1")]),
    ("R19", f"_http._tcp.hdls1.{T}", "SRV", OK, [
        srv(f"_http._tcp.hdls1.{T}", 16, 8080, f"{h}.hdls1.{T}")
        for h in ("dup-name", "172-0-0-4", "172-0-0-6", "5678-abcd--1", "5678-abcd--2")]),
    ("R20", f"hdlsprtls.{T}", "A", OK, [a(f"hdlsprtls.{T}", "172.0.0.20")]),
    ("R20", f"hdlsprtls.{T}", "SRV", OK, None),
    ("R20", f"_http._tcp.hdlsprtls.{T}", "SRV", NX, None),
    ("R21", "web-0.nginx.default.svc.cluster.local.", "A", OK,
     [a("web-0.nginx.default.svc.cluster.local.", "10.244.0.5")]),
    ("R21", "web-9.nginx.default.svc.cluster.local.", "A", NX, None),
    ("R22", f"external.{T}", "CNAME", OK, [f"external.{T} 5 IN CNAME ext.interwebs.test."]),
    ("R22", f"external-to-service.{T}", "A", OK,
     [f"external-to-service.{T} 5 IN CNAME svc1.{T}", a(f"svc1.{T}", "10.0.0.1")]),
    ("R22", f"external-to-service.{T}", "AAAA", OK, None),
    ("R22", f"_http._tcp.external.{T}", "SRV", NX, None),
    ("R22", f"x.external.{T}", "A", NX, None),
    ("R22", f"external-ip.{T}", "A", NX, None),
    ("R23", "1.0.0.10.in-addr.arpa.", "PTR", OK, [f"1.0.0.10.in-addr.arpa. 5 IN PTR svc1.{T}"]),
    ("R23", "2.0.0.172.in-addr.arpa.", "PTR", OK,
     [f"2.0.0.172.in-addr.arpa. 5 IN PTR dup-name.hdls1.{T}"]),
    ("R23", "4.0.0.172.in-addr.arpa.", "PTR", OK,
     [f"4.0.0.172.in-addr.arpa. 5 IN PTR 172-0-0-4.hdls1.{T}"]),
    ("R23", "10.0.96.10.in-addr.arpa.", "PTR", OK,
     ["10.0.96.10.in-addr.arpa. 5 IN PTR kube-dns.kube-system.svc.cluster.local."]),
    ("R23", "5.0.244.10.in-addr.arpa.", "PTR", OK,
     ["5.0.244.10.in-addr.arpa. 5 IN PTR web-0.nginx.default.svc.cluster.local."]),
    ("R23", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.", "PTR",
     OK, ["1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa. "
          f"5 IN PTR svc6.{T}"]),
    ("R24", "10-240-0-1.podns.pod.cluster.local.", "A", OK,
     [a("10-240-0-1.podns.pod.cluster.local.", "10.240.0.1")]),
    ("R24", "10-240-0-1.podns.pod.cluster.local.", "AAAA", OK, None),
    ("R24", "10-240-0-2.podns.pod.cluster.local.", "A", NX, None),  # Succeeded
    ("R24", "10-240-0-9.podns.pod.cluster.local.", "A", NX, None),  # no such pod
    ("R24", "10-240-0-1.nons.pod.cluster.local.", "A", NX, None),  # pod in another namespace
    ("R24", "fd00-10-244-2--7.podns.pod.cluster.local.", "AAAA", OK,
     [a("fd00-10-244-2--7.podns.pod.cluster.local.", "fd00:10:244:2::7", "AAAA")]),
    ("R24", "fd00-10-244-2-0-0-0-7.podns.pod.cluster.local.", "AAAA", OK,
     [a("fd00-10-244-2-0-0-0-7.podns.pod.cluster.local.", "fd00:10:244:2::7", "AAAA")]),
    ("R24", "x.10-240-0-1.podns.pod.cluster.local.", "A", OK,
     [a("x.10-240-0-1.podns.pod.cluster.local.", "10.240.0.1")]),
    ("R24", "podns.pod.cluster.local.", "A", OK, None),
    ("R8", "dns-version.cluster.local.", "TXT", OK,
     ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']),
    ("R8", "dns-version.cluster.local.", "A", NX, None),
    ("R8", f"svc1.{T}", "TXT", OK, None),
    ("R8", f"nope.{T}", "TXT", NX, None),
    ("R8", T, "TXT", NX, None),
    ("R6", "cluster.local.", "SOA", OK, [
        "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. "
        "0 7200 1800 86400 5"]),
    ("R6", f"svc1.{T}", "SOA", OK, None),
    ("R6", f"nope.{T}", "SOA", OK, None),
    ("R7", "cluster.local.", "NS", OK,
     ["cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local."]),
    ("R7", "ns.dns.cluster.local.", "A", OK, [a("ns.dns.cluster.local.", "172.18.0.2")]),
    ("R7", f"svc1.{T}", "NS", OK, None),
    ("R7", f"nope.{T}", "NS", NX, None),
    ("R9", T, "A", OK, None),
    ("R9", "nons.svc.cluster.local.", "A", NX, None),
    ("R9", "svc1.nons.svc.cluster.local.", "A", NX, None),
    ("R2", "cluster.local.", "A", OK, None),
    ("R2", "svc.cluster.local.", "A", OK, None),
    ("R2", "pod.cluster.local.", "A", OK, None),
    ("R2", "foo.cluster.local.", "A", NX, None),
    ("R2", "www.example.com.cluster.local.", "A", NX, None),
    ("R2", f"http.tcp.svc1.{T}", "A", OK, [a(f"http.tcp.svc1.{T}", "10.0.0.1")]),
    ("R2", f"_http.tcp.svc1.{T}", "SRV", OK, [srv(f"_http.tcp.svc1.{T}", 100, 80, f"svc1.{T}")]),
    ("R2", f"a.b.c.svc1.{T}", "A", NX, None),
    ("R25", f"*.hdls1.{T}", "A", NX, None),
    ("R25", f"any.{T}", "A", NX, None),
    ("R26", f"google.com.{T}", "A", NX, None),
    ("R26", f"svc1.{T}testns.svc.cluster.local.", "A", NX, None),
    ("R27", f"svc1.{T}", "ANY", OK, None),
    ("R27", f"svc1.{T}", "MX", OK, None),
    ("R27", f"svc1.{T}", "CNAME", OK, None),
    ("R27", f"svc1.{T}", "PTR", OK, None),
    ("R27", f"nope.{T}", "HINFO", NX, None),
    ("R27", f"nope.{T}", "ANY", NX, None),
]


@pytest.mark.parametrize(("rule", "qname", "qtype", "rcode", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_rule(ask: Ask, rule: str, qname: str, qtype: str, rcode: str,
              expected: list[str] | None) -> None:
    msg = ask(qname, qtype)
    assert dns.rcode.to_text(msg.rcode()) == rcode
    assert msg.flags & dns.flags.AA
    assert msg.question[0].name.to_text() == qname
    if expected is None:
        assert msg.answer == []
        soa = rrs(msg.authority)
        assert len(soa) == 1 and " IN SOA ns.dns." in soa[0]
    else:
        assert rrs(msg.answer) == sorted(expected)
        assert msg.authority == []


def test_negative_soa_is_the_zones(ask: Ask) -> None:
    """R5/R6: the SOA in authority is owned by the apex, TTL min(ttl, 300), MINIMUM ttl."""
    msg = ask(f"nope.{T}")
    (soa,) = msg.authority
    assert soa.name.to_text() == "cluster.local."
    assert soa.ttl == 5 and soa[0].minimum == 5 and soa[0].refresh == 7200


def test_reverse_zone_soa(ask: Ask) -> None:
    """R6: a negative answer in a reverse zone carries that zone's SOA."""
    msg = ask("1.0.0.10.in-addr.arpa.", "A")
    assert msg.rcode() == dns.rcode.NOERROR and msg.answer == []
    assert msg.authority[0].name.to_text() == "in-addr.arpa."


def test_srv_additional_section(ask: Ask) -> None:
    """R12/R13/R19: the SRV targets' addresses come in the additional section, once each."""
    msg = ask(f"_http._tcp.svc-dual-stack.{T}", "SRV")
    assert rrs(msg.additional) == sorted([a(f"svc-dual-stack.{T}", "10.0.0.3"),
                                          a(f"svc-dual-stack.{T}", "10::3", "AAAA")])
    msg = ask(f"_http._tcp.hdls1.{T}", "SRV", edns=0)
    assert rrs(msg.additional) == sorted([
        a(f"dup-name.hdls1.{T}", "172.0.0.2"), a(f"dup-name.hdls1.{T}", "172.0.0.3"),
        a(f"172-0-0-4.hdls1.{T}", "172.0.0.4"), a(f"172-0-0-6.hdls1.{T}", "172.0.0.6"),
        a(f"5678-abcd--1.hdls1.{T}", "5678:abcd::1", "AAAA"),
        a(f"5678-abcd--2.hdls1.{T}", "5678:abcd::2", "AAAA")])


def test_additional_dropped_before_truncating(ask: Ask) -> None:
    """Without EDNS (512 bytes) the glue goes first; no TC for that (RFC 2181 9)."""
    msg = ask(f"_http._tcp.hdls1.{T}", "SRV")
    assert len(msg.answer[0]) == 5 and msg.additional == []
    assert not msg.flags & dns.flags.TC


def test_ns_glue(ask: Ask) -> None:
    msg = ask("cluster.local.", "NS")
    assert rrs(msg.additional) == [a("kube-dns.kube-system.svc.cluster.local.", "10.96.0.10")]


def test_case_is_echoed(ask: Ask) -> None:
    """R3: names match ignoring case; owners echo the question's spelling."""
    msg = ask("SVC1.TestNS.Svc.Cluster.Local.", "A")
    assert rrs(msg.answer) == ["SVC1.TestNS.Svc.Cluster.Local. 5 IN A 10.0.0.1"]
    msg = ask("NOPE.testns.svc.CLUSTER.local.", "A")
    assert msg.rcode() == dns.rcode.NXDOMAIN
    assert msg.authority[0].name.to_text() == "CLUSTER.local."
    msg = ask("Web-0.NGINX.default.svc.cluster.local.", "A")
    assert rrs(msg.answer) == ["Web-0.NGINX.default.svc.cluster.local. 5 IN A 10.244.0.5"]


def test_headless_answers_rotate(ask: Ask) -> None:
    """The seed's round robin: every ready address comes first in turn."""
    firsts = [ask(f"hdls1.{T}").answer[0][0].address for _ in range(4)]
    assert sorted(firsts) == ["172.0.0.2", "172.0.0.3", "172.0.0.4", "172.0.0.6"]
    orders = {tuple(rr.address for rr in ask(f"hdls1.{T}").answer[0]) for _ in range(4)}
    assert all(sorted(o) == sorted(firsts) for o in orders)


def test_out_of_zone_is_forwarded(zone: Zone) -> None:
    """R1: names under no zone, and reverse names without a PTR, go upstream."""
    for name, qtype in (("www.example.com.", "A"), ("9.0.0.172.in-addr.arpa.", "PTR"),
                        ("5.0.0.172.in-addr.arpa.", "PTR"), (".", "NS"),
                        ("local.", "SOA")):
        q = dns.message.make_query(name, qtype)
        assert answer(q.to_wire(), zone) is FORWARD, name


def test_external_name_out_of_zone_is_chased(zone: Zone) -> None:
    """R22: an out-of-zone target is completed upstream: the server gets a Chase."""
    q = dns.message.make_query(f"external.{T}", "A")
    r = answer(q.to_wire(), zone)
    assert isinstance(r, Chase)
    assert r.target == b"\x03ext\x09interwebs\x04test\x00" and r.qtype == 1
    upstream = dns.message.make_response(dns.message.make_query("ext.interwebs.test.", "A"))
    upstream.answer.append(dns.rrset.from_text("ext.interwebs.test.", 60, "IN", "A",
                                               "192.0.2.7"))
    msg = dns.message.from_wire(r.complete(upstream.to_wire()))
    assert msg.id == q.id and msg.rcode() == dns.rcode.NOERROR
    assert rrs(msg.answer) == sorted([f"external.{T} 5 IN CNAME ext.interwebs.test.",
                                      "ext.interwebs.test. 60 IN A 192.0.2.7"])
    failed = dns.message.from_wire(r.complete(None))
    assert failed.rcode() == dns.rcode.NOERROR and failed.answer == []
    assert failed.authority[0].name.to_text() == "cluster.local."


def test_zone_transfer_refused(ask: Ask) -> None:
    """R27: AXFR/IXFR are REFUSED."""
    assert ask("cluster.local.", "AXFR", tcp=True).rcode() == dns.rcode.REFUSED
    assert ask("cluster.local.", "IXFR").rcode() == dns.rcode.REFUSED


def test_not_synced_is_servfail_not_nxdomain(zone: Zone, ask: Ask) -> None:
    """R29: before the caches have synced, "does not exist" is SERVFAIL."""
    zone.set_synced(False)
    assert ask(f"nope.{T}").rcode() == dns.rcode.SERVFAIL
    assert rrs(ask(f"svc1.{T}").answer) == [a(f"svc1.{T}", "10.0.0.1")]
    zone.set_synced(True)
    assert ask(f"nope.{T}").rcode() == dns.rcode.NXDOMAIN
