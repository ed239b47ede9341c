"""``answer()`` as a protocol engine: IDs and flags, EDNS0, the 512-byte rule, truncation,
and the slow path's FORMERR / NOTIMP / REFUSED / BADVERS."""

from __future__ import annotations

import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import pytest

from tinykube.dns.answer import answer
from tinykube.dns.config import Config
from tinykube.dns.zone import Zone
from tinykube.testing.dns import Ask, ask_zone, endpoint, endpoint_slice, service

T = "testns.svc.cluster.local."


@pytest.fixture
def big() -> Zone:
    """A headless Service with 100 ready pods: 1,600+ bytes of A records."""
    z = Zone(Config())
    z.upsert_service(service("big", ports=[("http", 80, "TCP")]))
    z.upsert_slice(endpoint_slice("big", endpoints=[endpoint(f"10.1.0.{i}") for i in range(1,
                                                                                            101)],
                                  ports=[("http", 80, "TCP")]))
    return z


def test_id_rd_cd_echoed(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A")
    q.flags |= dns.flags.CD
    for rd in (True, False):
        q.flags = (q.flags | dns.flags.RD) if rd else (q.flags & ~dns.flags.RD)
        r = answer(q.to_wire(), zone)
        assert isinstance(r, bytes)
        msg = dns.message.from_wire(r)
        assert msg.id == q.id
        assert bool(msg.flags & dns.flags.RD) == rd
        assert msg.flags & dns.flags.CD and msg.flags & dns.flags.AA
        assert not msg.flags & dns.flags.TC


def test_edns_reply_has_opt_and_copies_do(ask: Ask) -> None:
    plain = ask(f"svc1.{T}", edns=0)
    assert plain.edns == 0 and plain.payload == 1232 and not plain.ednsflags & dns.flags.DO
    signed = ask(f"svc1.{T}", edns=0, dnssec=True)
    assert signed.ednsflags & dns.flags.DO
    assert [rr.to_text() for rr in signed.answer] == [f"svc1.{T} 5 IN A 10.0.0.1"]
    assert ask(f"svc1.{T}").edns == -1  # no OPT back to a client that sent none


def test_edns_options_are_ignored(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A", use_edns=0, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, b"\x01" * 8)])
    r = answer(q.to_wire(), zone)
    assert isinstance(r, bytes)
    msg = dns.message.from_wire(r)
    assert msg.rcode() == dns.rcode.NOERROR and len(msg.answer) == 1 and msg.edns == 0


def test_edns_version_1_is_badvers(ask: Ask) -> None:
    msg = ask(f"svc1.{T}", edns=1)
    assert msg.rcode() == dns.rcode.BADVERS and msg.answer == []


def test_no_edns_stays_within_512_with_tc(big: Zone) -> None:
    q = dns.message.make_query(f"big.{T}", "A")
    r = answer(q.to_wire(), big)
    assert isinstance(r, bytes) and len(r) <= 512
    msg = dns.message.from_wire(r)
    assert msg.flags & dns.flags.TC and msg.answer == []
    assert msg.question[0].name.to_text() == f"big.{T}"


def test_edns_buffer_size_decides_truncation(big: Zone) -> None:
    small = ask_zone(big, f"big.{T}", edns=0, payload=1232)
    assert small.flags & dns.flags.TC and small.edns == 0
    large = ask_zone(big, f"big.{T}", edns=0, payload=4096, max_udp=4096)
    assert not large.flags & dns.flags.TC and len(large.answer[0]) == 100
    capped = ask_zone(big, f"big.{T}", edns=0, payload=65000)
    assert capped.flags & dns.flags.TC  # we never send more than max_udp over UDP
    tiny = ask_zone(big, f"big.{T}", edns=0, payload=100)  # below 512 counts as 512
    assert tiny.flags & dns.flags.TC


def test_tcp_gets_everything(big: Zone) -> None:
    msg = ask_zone(big, f"big.{T}", tcp=True)
    assert not msg.flags & dns.flags.TC and len(msg.answer[0]) == 100


def test_small_answers_fit_without_edns(ask: Ask) -> None:
    msg = ask(f"_http._tcp.svc-dual-stack.{T}", "SRV")
    assert not msg.flags & dns.flags.TC and len(msg.additional) == 2


@pytest.mark.parametrize("data", [
    b"",
    b"\x12\x34",
    b"\x12\x34\x01\x00\x00\x01",  # short header
])
def test_shorter_than_a_header_is_dropped(zone: Zone, data: bytes) -> None:
    assert answer(data, zone) is None


def test_responses_are_never_answered(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A")
    r = answer(q.to_wire(), zone)
    assert isinstance(r, bytes)
    assert answer(r, zone) is None


def formerr(zone: Zone, data: bytes) -> dns.message.Message:
    r = answer(data, zone)
    assert isinstance(r, bytes)
    msg = dns.message.from_wire(r)
    assert msg.id == struct.unpack("!H", data[:2])[0]
    return msg


@pytest.mark.parametrize("data", [
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",  # question missing
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04svc1\x06test",  # cut in the name
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04svc1\x00\x00",  # cut in the type
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # loop
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x01a\x00\x00\x01\x00\x01",  # no OPT
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01junk",
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x41" + b"a" * 65 + b"\x00\x00\x01\x00\x01",
])
def test_malformed_is_formerr(zone: Zone, data: bytes) -> None:
    assert formerr(zone, data).rcode() == dns.rcode.FORMERR


def test_two_questions_is_formerr(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A")
    q.question.append(dns.message.make_query(f"svc6.{T}", "A").question[0])
    assert formerr(zone, q.to_wire()).rcode() == dns.rcode.FORMERR


def test_other_opcodes_are_notimp(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A")
    q.set_opcode(dns.opcode.NOTIFY)
    msg = formerr(zone, q.to_wire())
    assert msg.rcode() == dns.rcode.NOTIMP and msg.opcode() == dns.opcode.NOTIFY


def test_other_classes_are_refused(zone: Zone) -> None:
    q = dns.message.make_query("version.bind.", "TXT", "CH")
    msg = formerr(zone, q.to_wire())
    assert msg.rcode() == dns.rcode.REFUSED
    assert msg.question[0].name.to_text() == "version.bind."


def test_name_too_long_is_formerr(zone: Zone) -> None:
    labels = b"".join(b"\x3f" + b"a" * 63 for _ in range(4))  # 256 bytes with the root
    data = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + labels + b"\x00\x00\x01\x00\x01"
    assert formerr(zone, data).rcode() == dns.rcode.FORMERR


def test_compressed_question_is_formerr(zone: Zone) -> None:
    """A question name pointing into the header parses, but no client sends one."""
    data = b"\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x05\x00\x01\x00\x01"
    assert formerr(zone, data).rcode() == dns.rcode.FORMERR


@pytest.mark.parametrize("name", [f"svc1.{T}", f"nothere.{T}", "cluster.local."])
def test_recursion_available_is_set(zone: Zone, name: str) -> None:
    """Answers, negative answers and the apex all say recursion is available (out-of-zone
    names are forwarded), so stub resolvers such as nslookup print no warning."""
    msg = ask_zone(zone, name, "A")
    assert msg.flags & dns.flags.RA
    assert msg.flags & dns.flags.AA


def test_error_header_sets_recursion_available(zone: Zone) -> None:
    q = dns.message.make_query(f"svc1.{T}", "A")
    wire = bytearray(q.to_wire())
    wire[2] = (wire[2] & 0x87) | (5 << 3)  # an opcode we do not implement
    r = answer(bytes(wire), zone)
    assert isinstance(r, bytes)
    assert struct.unpack("!H", r[2:4])[0] & 0x0080
