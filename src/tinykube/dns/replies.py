"""Ready UDP responses keyed by the query itself: a query is one dictionary lookup and an
ID patch, whatever it asks.

``answer`` already works from compiled wire answers, but still reads the header, the
question and the OPT record of every query. Clients repeat the very same bytes after
their two-byte ID — same flags, name spelling, type, EDNS buffer — so the first time a
query is seen its complete response (minus the ID) is kept under ``query[2:]``; the next
identical queries only send it. Answers that rotate (several addresses or SRV records)
are kept in every rotation and served in turn, exactly as ``answer`` would.

Each ``fill`` computes under the zone's lock, so an entry is never built from half an
update. When the zone's version moves, ``current()`` drops what may have changed: the
entries of the names the zone says changed, and every entry not answered straight from
``Zone.names`` (negative answers, aliases, errors), which any change may affect — or
everything when the zone cannot tell. One endpoint changing among thousands of Services
thus costs a few lookups, not a cold start. Only the thread serving UDP uses a
``Replies``; it counts what it served in ``pending`` (a private ``Metrics``) for the
event loop to merge.
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
        self._by_name: dict[bytes, list[bytes]] = {}  # a key of Zone.names -> its entries
        self._derived: list[bytes] = []  # entries any change may affect

    def current(self) -> dict[bytes, Reply]:
        """The entries, without those the zone may have changed since they were built."""
        zone = self.zone
        if zone.version != self.version:
            with zone.lock:
                version, changed = zone.version, zone.changed_since(self.version)
            if changed is None:
                self.clear()
            else:
                self._drop(changed)
            self.version = version
        return self.entries

    def clear(self) -> None:
        self.fold()
        self.entries = {}
        self._by_name = {}
        self._derived = []

    def _drop(self, changed: set[bytes]) -> None:
        keys, self._derived = self._derived, []
        for name in changed:
            keys.extend(self._by_name.pop(name, ()))
        count = self.pending.count
        for key in keys:
            reply = self.entries.pop(key, None)
            if reply is not None and reply.hits:
                count(reply.qtype, reply.rcode, reply.truncated, reply.hits)

    def fill(self, query: bytes) -> Response:
        """Answer ``query`` the slow way, keep the response when it can be reused, and
        count it in ``pending`` unless it must go upstream (the server counts those)."""
        started = time.perf_counter()
        zone = self.zone
        with zone.lock:
            version = zone.version
            r = answer(query, zone, max_udp=self.max_udp)
            if type(r) is bytes and version == self.version and len(self.entries) < self.limit:
                self._keep(query, r)
        if r is None or type(r) is bytes:
            self.pending.observe(query, r, time.perf_counter() - started)
        if len(self.entries) >= self.limit:
            self.clear()
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

    def _keep(self, query: bytes, r: bytes) -> None:
        """Keep ``r`` for ``query``, filed under the name it was answered from."""
        end = query.find(0, 12)
        qtype = query[end + 1] << 8 | query[end + 2] if 12 <= end < len(query) - 2 else -1
        rcode, truncated = r[3] & 0xF, bool(r[2] & 0x02)
        # The response's question is the one answered (the slow path may have rebuilt it).
        qend = r.find(0, 12)
        qname = r[12 : qend + 1].lower() if qend >= 12 and len(r) >= qend + 5 else None
        if r[6:8] in (b"\x00\x00", b"\x00\x01"):  # fewer than two records: no turns
            turns: list[bytes] | None = [r[2:]]
        else:
            turns = None if qname is None else self._rotations(r, qname, qend)
        if turns is None:
            return
        key = query[2:]
        self.entries[key] = Reply(turns, qtype, rcode, truncated)
        if qname is not None and qname in self.zone.names:
            self._by_name.setdefault(qname, []).append(key)
        else:
            self._derived.append(key)

    def _rotations(self, r: bytes, qname: bytes, end: int) -> list[bytes] | None:
        """Every rotation of ``r`` after its own, as tails; None if ``r`` is not one of
        them or they would take too much room (then it is not kept)."""
        qtype = r[end + 1] << 8 | r[end + 2]
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
