"""Random and mutated packets: ``answer`` never raises, and whatever it sends back is a
well-formed DNS response to that ID (dnspython must parse it). Bounded and seeded."""

from __future__ import annotations

import logging
import random

import dns.flags
import dns.message
import pytest

from tinykube.dns.answer import FORWARD, Chase, answer
from tinykube.dns.zone import Zone

ROUNDS = 20_000
T = "testns.svc.cluster.local."


def seeds() -> list[bytes]:
    out = []
    for name, qtype in ((f"svc1.{T}", "A"), (f"hdls1.{T}", "A"), (f"_http._tcp.hdls1.{T}", "SRV"),
                        (f"external.{T}", "A"), (f"external-to-service.{T}", "A"),
                        ("cluster.local.", "NS"), ("1.0.0.10.in-addr.arpa.", "PTR"),
                        (f"nope.{T}", "TXT"), ("www.example.com.", "AAAA"),
                        ("10-240-0-1.podns.pod.cluster.local.", "A")):
        for edns in (-1, 0):
            out.append(dns.message.make_query(name, qtype, use_edns=edns,
                                              want_dnssec=edns == 0).to_wire())
    return out


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        if op == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:
            b = b[: rng.randrange(len(b) + 1)]
        elif op == 2:
            pos = rng.randrange(len(b) + 1)
            b[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif op == 3 and len(b) >= 12:
            b[rng.choice((4, 5, 6, 7, 8, 9, 10, 11))] = rng.choice((0, 1, 2, 255))
        elif op == 4 and len(b) > 13:
            b[rng.randrange(12, len(b))] = rng.choice((0, 0x3F, 0x40, 0xC0, 0xC0 | 12, 65))
    return bytes(b)


def check(data: bytes, zone: Zone, tcp: bool) -> None:
    r = answer(data, zone, tcp=tcp)
    if isinstance(r, Chase):
        r = r.complete(None)
    if r is None:
        assert len(data) < 12 or data[2] & 0x80, data
        return
    if r is FORWARD:
        return
    assert isinstance(r, bytes), (data, r)
    assert tcp or len(r) <= 1232
    msg = dns.message.from_wire(r)
    assert msg.id == int.from_bytes(data[:2], "big")
    assert msg.flags & dns.flags.QR


def test_fuzz(zone: Zone, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(20260522)
    base = seeds()
    for i in range(ROUNDS):
        if i % 4 == 0:
            data = rng.randbytes(rng.randrange(0, 80))
            if len(data) > 2 and rng.random() < 0.7:
                data = data[:2] + bytes((data[2] & 0x7F,)) + data[3:]  # mostly queries
        else:
            data = mutate(rng, rng.choice(base))
        check(data, zone, tcp=rng.random() < 0.3)
    # answer() turns its own exceptions into SERVFAIL and logs them: there must be none.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_every_truncation_of_every_seed(zone: Zone, caplog: pytest.LogCaptureFixture) -> None:
    for data in seeds():
        for cut in range(len(data) + 1):
            check(data[:cut], zone, tcp=False)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
