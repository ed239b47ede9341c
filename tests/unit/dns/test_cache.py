"""The forwarder's cache: TTLs count down, expiry, what is never cached, bounded size."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rrset

from tinykube.dns import cache, wire
from tinykube.dns.cache import Cache


def reply(name: str = "db.example.com.", ttl: int = 60, rcode: int = 0, tc: bool = False,
          edns: int = -1) -> tuple[bytes, bytes]:
    q = dns.message.make_query(name, "A", use_edns=edns)
    r = dns.message.make_response(q)
    r.set_rcode(rcode)
    if tc:
        r.flags |= dns.flags.TC
    if rcode == dns.rcode.NXDOMAIN:
        r.authority.append(dns.rrset.from_text("example.com.", ttl, "IN", "SOA",
                                               "ns. host. 1 2 3 4 20"))
    elif rcode == 0:
        r.answer.append(dns.rrset.from_text(name, ttl, "IN", "A", "192.0.2.1", "192.0.2.2"))
    query = q.to_wire()
    return cache.key(query, wire.question_end(query)), r.to_wire()


def test_ttls_count_down_until_expiry() -> None:
    c = Cache()
    key, data = reply(ttl=60)
    assert c.put(key, data, now=100.0)
    assert c.get(key, 100.5) == data
    aged = dns.message.from_wire(c.get(key, 130.2) or b"")
    assert aged.answer[0].ttl == 30
    assert c.get(key, 160.0) is None and len(c) == 0


def test_negative_answers_live_for_the_soa_minimum() -> None:
    c = Cache()
    key, data = reply("nope.example.com.", ttl=300, rcode=dns.rcode.NXDOMAIN)
    assert c.put(key, data, 0.0)
    assert c.get(key, 19.0) is not None and c.get(key, 20.0) is None


def test_what_is_never_cached() -> None:
    c = Cache()
    for kw in ({"rcode": dns.rcode.SERVFAIL}, {"tc": True}, {"ttl": 0}):
        key, data = reply(**kw)  # type: ignore[arg-type]
        assert not c.put(key, data, 0.0), kw
    assert not c.put(b"k", b"\x00\x01garbage", 0.0)
    assert len(c) == 0


def test_key_ignores_case_but_not_edns() -> None:
    plain, _ = reply("DB.Example.com.")
    lower, _ = reply("db.example.com.")
    with_edns, _ = reply("db.example.com.", edns=0)
    assert plain == lower and with_edns != lower


def test_max_ttl_and_size() -> None:
    c = Cache(size=2, max_ttl=10)
    keys = []
    for i in range(3):
        key, data = reply(f"n{i}.example.com.", ttl=1000)
        c.put(key, data, 0.0)
        keys.append(key)
    assert len(c) == 2 and c.get(keys[0], 0.0) is None
    assert c.get(keys[2], 9.0) is not None and c.get(keys[2], 10.0) is None
