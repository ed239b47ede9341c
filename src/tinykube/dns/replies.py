"""Ready UDP responses keyed by the query itself: a query is one dictionary lookup and an
ID patch, whatever it asks.

``answer`` already works from compiled wire answers, but still reads the header, the
question and the OPT record of every query. Clients repeat the very same bytes after
their two-byte ID — same flags, name spelling, type, EDNS buffer — so the first time a
query is seen its complete response (minus the ID) is kept under ``query[2:]``; the next
identical queries only send it. Answers that rotate (several addresses or SRV records)
are kept in every rotation and served in turn, exactly as ``answer`` would.

The entries are valid for one ``Zone.version``: ``current()`` drops them all when the zone
has changed, and each ``fill`` computes under the zone's lock, so an entry is never built
from half an update. Only the thread serving UDP uses a ``Replies``; it counts what it
served in ``pending`` (a private ``Metrics``) for the event loop to merge.
"""

from __future__ import annotations

import time

from tinykube.dns.answer import MAX_UDP, Response, answer
from tinykube.dns.metrics import Metrics
from tinykube.dns.mmsg import address_of
from tinykube.dns.render import DEFAULT, Compiled
from tinykube.dns.zone import Zone

LIMIT = 50_000  # entries; beyond, start afresh (random names must not grow it forever)
ROTATIONS_MAX = 1 << 16  # bytes for every rotation of one reply; a bigger one is not kept


class Reply:
    """One ready response without its ID: ``tail``, also as ``addr`` (where its bytes
    live) and ``size`` for ``sendmmsg``; ``hits`` counts the times it was served."""

    __slots__ = ("_addrs", "_tails", "_turn", "addr", "hits", "qtype", "rcode", "rotates",
                 "size", "tail", "truncated")

    def __init__(self, tails: list[bytes], qtype: int, rcode: int, truncated: bool) -> None:
        self._tails = tails
        self._addrs = [address_of(t) for t in tails]
        self._turn = 0
        self.tail, self.addr, self.size = tails[0], self._addrs[0], len(tails[0])
        self.qtype, self.rcode, self.truncated = qtype, rcode, truncated
        self.hits = 0
        self.rotates = len(tails) > 1

    def advance(self) -> None:
        """The next rotation (all have the same length)."""
        turn = self._turn = (self._turn + 1) % len(self._tails)
        self.tail, self.addr = self._tails[turn], self._addrs[turn]


class Replies:
    def __init__(self, zone: Zone, *, max_udp: int = MAX_UDP, limit: int = LIMIT) -> None:
        self.zone = zone
        self.max_udp = max_udp
        self.limit = limit
        self.entries: dict[bytes, Reply] = {}
        self.version = zone.version
        self.pending = Metrics()

    def current(self) -> dict[bytes, Reply]:
        """The entries, emptied first if the zone changed since they were built."""
        if self.zone.version != self.version:
            self.fold()
            self.entries = {}
            self.version = self.zone.version
        return self.entries

    def fill(self, query: bytes) -> Response:
        """Answer ``query`` the slow way, keep the response when it can be reused, and
        count it in ``pending`` unless it must go upstream (the server counts those)."""
        started = time.perf_counter()
        zone = self.zone
        with zone.lock:
            version = zone.version
            r = answer(query, zone, max_udp=self.max_udp)
            if type(r) is bytes and version == self.version and len(self.entries) < self.limit:
                reply = self._reply(query, r)
                if reply is not None:
                    self.entries[query[2:]] = reply
        if r is None or type(r) is bytes:
            self.pending.observe(query, r, time.perf_counter() - started)
        if len(self.entries) >= self.limit:
            self.fold()
            self.entries = {}
        return r

    def fold(self) -> None:
        """Move the entries' hit counts into ``pending``."""
        count = self.pending.count
        for reply in self.entries.values():
            if reply.hits:
                count(reply.qtype, reply.rcode, reply.truncated, reply.hits)
                reply.hits = 0

    def take(self, *, fold: bool) -> Metrics | None:
        """What was counted since the last take (with the hits when ``fold``), or None
        if nothing was."""
        if fold:
            self.fold()
        if self.pending.empty():
            return None
        taken, self.pending = self.pending, Metrics()
        return taken

    # ------------------------------------------------------------------ building

    def _reply(self, query: bytes, r: bytes) -> Reply | None:
        end = query.find(0, 12)
        qtype = query[end + 1] << 8 | query[end + 2] if 12 <= end < len(query) - 2 else -1
        rcode, truncated = r[3] & 0xF, bool(r[2] & 0x02)
        if len(r) < 12 or r[6:8] in (b"\x00\x00", b"\x00\x01"):
            return Reply([r[2:]], qtype, rcode, truncated)  # fewer than two records
        turns = self._rotations(r)
        return None if turns is None else Reply(turns, qtype, rcode, truncated)

    def _rotations(self, r: bytes) -> list[bytes] | None:
        """Every rotation of ``r`` after its own, as tails; None if ``r`` is not one of
        them or they would take too much room (then it is not kept)."""
        end = r.find(0, 12)
        if end < 0 or len(r) < end + 5:
            return None
        qname, qtype = r[12 : end + 1].lower(), r[end + 1] << 8 | r[end + 2]
        entry = self.zone.names.get(qname) or self.zone.miss(qname)
        if entry is None:
            return None
        c: Compiled = entry.get(qtype) or entry[DEFAULT]
        if not c.offsets:
            return [r[2:]]
        if len(c.offsets) * len(r) > ROTATIONS_MAX:
            return None
        part = c.body[c.fixed_end : c.rot_end]
        turns = [part[o:] + part[:o] for o in c.offsets]
        start, stop = end + 5 + c.fixed_end, end + 5 + c.rot_end
        served = r[start:stop]
        if served not in turns:
            return None
        k = turns.index(served) + 1
        return [r[2:start] + t + r[stop:] for t in turns[k:] + turns[:k]]
