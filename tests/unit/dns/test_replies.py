"""Ready responses keyed by the query: the same bytes ``answer`` gives, rotations served
in the same turns, dropped when the zone changes, counted for the metrics."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode

from tinykube.dns.answer import FORWARD, answer
from tinykube.dns.config import Config
from tinykube.dns.replies import Replies, Reply
from tinykube.dns.zone import Zone
from tinykube.testing.dns import endpoint, endpoint_slice, rrs, service

T = "testns.svc.cluster.local."


def wire(name: str, rdtype: str = "A", ident: int = 7, **kw: object) -> bytes:
    q = dns.message.make_query(name, rdtype, **kw)  # type: ignore[arg-type]
    q.id = ident
    return q.to_wire()


def served(replies: Replies, query: bytes) -> bytes:
    """What the UDP thread sends for ``query``: a kept reply, else the filled answer."""
    reply = replies.current().get(query[2:])
    if reply is None:
        r = replies.fill(query)
        assert isinstance(r, bytes)
        return r
    out = query[:2] + reply.tail
    reply.hits += 1
    if reply.rotates:
        reply.advance()
    return out


def test_kept_reply_is_answer_with_the_new_id(zone: Zone) -> None:
    replies = Replies(zone)
    first = served(replies, wire(f"svc1.{T}", ident=1))
    again = served(replies, wire(f"svc1.{T}", ident=2))
    assert again[:2] == b"\x00\x02" and again[2:] == first[2:]
    assert again == answer(wire(f"svc1.{T}", ident=2), zone)
    assert len(replies.entries) == 1


def test_spelling_flags_and_edns_are_part_of_the_key(zone: Zone) -> None:
    replies = Replies(zone)
    for query in (wire(f"svc1.{T}"), wire(f"SVC1.{T}"), wire(f"svc1.{T}", use_edns=0),
                  wire(f"svc1.{T}", use_edns=0, payload=4096)):
        for _ in range(2):
            out = dns.message.from_wire(served(replies, query))
            assert rrs(out.answer)[0].lower() == f"svc1.{T} 5 in a 10.0.0.1"
    assert len(replies.entries) == 4
    upper = dns.message.from_wire(served(replies, wire(f"SVC1.{T}")))
    assert upper.answer[0].name.to_text() == f"SVC1.{T}"  # the client's spelling echoed


def test_rotations_follow_answers_turns() -> None:
    zone = Zone(Config())
    zone.upsert_service(service("hl", ports=[("http", 80, "TCP")]))
    zone.upsert_slice(endpoint_slice("hl", endpoints=[endpoint(f"10.1.0.{i}") for i in (1, 2, 3)],
                                     ports=[("http", 80, "TCP")]))
    twin = Zone(Config())
    twin.upsert_service(service("hl", ports=[("http", 80, "TCP")]))
    twin.upsert_slice(endpoint_slice("hl", endpoints=[endpoint(f"10.1.0.{i}") for i in (1, 2, 3)],
                                     ports=[("http", 80, "TCP")]))
    replies = Replies(zone)
    for rdtype in ("A", "SRV"):
        query = wire(f"hl.{T}", rdtype)
        mine = [served(replies, query) for _ in range(7)]
        theirs = [answer(query, twin) for _ in range(7)]
        assert mine == theirs
        firsts = {dns.message.from_wire(m).answer[0][0].to_text() for m in mine}
        assert len(firsts) == 3  # every record came first in turn
    assert all(r.rotates for r in replies.entries.values())


def test_truncated_rotation_is_kept_whole() -> None:
    zone = Zone(Config())
    zone.upsert_service(service("big"))
    zone.upsert_slice(endpoint_slice("big", endpoints=[endpoint(f"10.1.0.{i}")
                                                       for i in range(1, 101)]))
    replies = Replies(zone)
    query = wire(f"big.{T}")
    outs = [dns.message.from_wire(served(replies, query)) for _ in range(3)]
    assert all(m.flags & dns.flags.TC and not m.answer for m in outs)
    assert not replies.entries[query[2:]].rotates


def test_zone_change_drops_what_may_have_changed(zone: Zone) -> None:
    replies = Replies(zone)
    svc1, svc1_srv, nx = wire(f"svc1.{T}"), wire(f"svc1.{T}", "SRV"), wire(f"new.{T}")
    for query in (svc1, svc1_srv, nx):
        served(replies, query)
    assert dns.message.from_wire(served(replies, nx)).rcode() == dns.rcode.NXDOMAIN
    version = zone.version
    zone.upsert_service(service("new", ip="10.0.0.99"))
    assert zone.version > version
    # svc1's own answers cannot have changed; a negative answer may have.
    assert set(replies.current()) == {svc1[2:], svc1_srv[2:]}
    assert rrs(dns.message.from_wire(served(replies, nx)).answer) == [f"new.{T} 5 IN A 10.0.0.99"]
    zone.upsert_service(service("svc1", ip="10.0.0.9", ports=[("http", 80, "TCP")]))
    assert set(replies.current()) == {nx[2:]}
    assert rrs(dns.message.from_wire(served(replies, svc1)).answer) == [f"svc1.{T} 5 IN A 10.0.0.9"]


def test_dropped_replies_keep_their_hits(zone: Zone) -> None:
    replies = Replies(zone)
    for _ in range(3):
        served(replies, wire(f"nope.{T}"))
    zone.upsert_service(service("new", ip="10.0.0.99"))
    assert replies.current() == {}
    counted = replies.take(fold=True)
    assert counted is not None and counted.responses == {dns.rcode.NXDOMAIN: 3}


def test_when_the_zone_cannot_tell_everything_goes(zone: Zone) -> None:
    replies = Replies(zone)
    served(replies, wire(f"svc1.{T}"))
    zone.set_synced(True)  # same answers, but the zone only knows that anything may differ
    assert replies.current() == {}


def test_a_fill_during_a_change_is_not_kept(zone: Zone) -> None:
    replies = Replies(zone)
    replies.current()
    zone.upsert_service(service("new", ip="10.0.0.99"))  # after the batch looked
    assert isinstance(replies.fill(wire(f"new.{T}")), bytes)
    assert replies.entries == {}


def test_unsynced_zone_moves_the_version(zone: Zone) -> None:
    replies = Replies(zone)
    query = wire(f"nope.{T}")
    assert dns.message.from_wire(served(replies, query)).rcode() == dns.rcode.NXDOMAIN
    zone.set_synced(False)
    assert dns.message.from_wire(served(replies, query)).rcode() == dns.rcode.SERVFAIL


def test_what_is_not_an_answer_is_not_kept(zone: Zone) -> None:
    replies = Replies(zone)
    assert replies.fill(wire("db.example.com.")) is FORWARD
    assert replies.fill(b"\x01\x02") is None
    formerr = replies.fill(b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab")
    assert isinstance(formerr, bytes) and formerr[3] & 0xF == dns.rcode.FORMERR
    assert list(replies.entries) == [b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab"]


def test_limit_starts_afresh(zone: Zone) -> None:
    replies = Replies(zone, limit=3)
    for i in range(3):
        served(replies, wire(f"n{i}.{T}"))
    assert replies.entries == {}
    served(replies, wire(f"svc1.{T}"))
    assert len(replies.entries) == 1


def test_counts_fills_and_hits(zone: Zone) -> None:
    replies = Replies(zone)
    for _ in range(3):
        served(replies, wire(f"svc1.{T}"))
    served(replies, wire(f"nope.{T}", "AAAA"))
    replies.fill(b"\x01\x02")
    partial = replies.take(fold=False)
    assert partial is not None
    assert partial.queries == {1: 1, 28: 1, -1: 1} and partial.dropped == 1
    total = replies.take(fold=True)
    assert total is not None
    assert total.queries == {1: 2} and total.responses == {dns.rcode.NOERROR: 2}
    assert replies.take(fold=True) is None


def test_reply_turns() -> None:
    reply = Reply([b"a", b"b", b"c"], 1, 0, False)
    seen = []
    for _ in range(4):
        seen.append(reply.tail)
        reply.advance()
    assert seen == [b"a", b"b", b"c", b"a"] and reply.rotates and reply.size == 1


def test_huge_rotations_are_answered_each_time() -> None:
    zone = Zone(Config())
    zone.upsert_service(service("big"))
    zone.upsert_slice(endpoint_slice("big", endpoints=[endpoint(f"10.1.{i // 250}.{i % 250 + 1}")
                                                       for i in range(250)]))
    twin = Zone(Config())
    twin.upsert_service(service("big"))
    twin.upsert_slice(endpoint_slice("big", endpoints=[endpoint(f"10.1.{i // 250}.{i % 250 + 1}")
                                                       for i in range(250)]))
    replies = Replies(zone, max_udp=4096)
    query = wire(f"big.{T}", use_edns=0, payload=4096)
    mine = [served(replies, query) for _ in range(3)]
    assert replies.entries == {}  # 250 turns of 4 kB: not kept
    assert mine == [answer(query, twin, max_udp=4096) for _ in range(3)]
    assert len(dns.message.from_wire(mine[0]).answer[0]) == 250
