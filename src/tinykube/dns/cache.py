"""The forwarder's cache: upstream replies kept for as long as their TTLs say.

Keyed by the lowercased question plus whether the client spoke EDNS (a reply carrying an
OPT record must not go to a client that sent none) and asked for DNSSEC (DO). A hit is the
stored reply with every TTL lowered by its age; the caller patches in the client's ID and
question spelling. Pure: time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykube.dns import wire

DEFAULT_SIZE = 10_000
MAX_TTL = 3600
CACHEABLE = (wire.NOERROR, wire.NXDOMAIN)


@dataclass(frozen=True)
class Entry:
    reply: bytes
    stored: float
    expires: float
    ttls: tuple[tuple[int, int], ...]  # (offset, ttl as received)


class Cache:
    def __init__(self, size: int = DEFAULT_SIZE, max_ttl: int = MAX_TTL) -> None:
        self.size = size
        self.max_ttl = max_ttl
        self._entries: dict[bytes, Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now >= entry.expires:
            del self._entries[key]
            return None
        age = int(now - entry.stored)
        if age <= 0:
            return entry.reply
        out = bytearray(entry.reply)
        for offset, ttl in entry.ttls:
            out[offset : offset + 4] = max(0, ttl - age).to_bytes(4, "big")
        return bytes(out)

    def put(self, key: bytes, reply: bytes, now: float) -> bool:
        """Keep a reply if it may be kept (NOERROR/NXDOMAIN, not truncated, TTL > 0)."""
        try:
            _, flags, _, _, _, _ = wire.header(reply)
            offsets, smallest = wire.ttl_offsets(reply)
        except wire.Malformed:
            return False
        if flags & wire.TC or flags & 0xF not in CACHEABLE or not smallest:
            return False
        ttl = min(smallest, self.max_ttl)
        ttls = tuple((o, int.from_bytes(reply[o : o + 4], "big")) for o in offsets)
        if key not in self._entries and len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]  # the oldest insertion
        self._entries[key] = Entry(reply, now, now + ttl, ttls)
        return True


def key(query: bytes, question_end: int) -> bytes:
    """The cache key of a (well-formed) query: question lowercased, EDNS and DO bits."""
    name_end = question_end - 4
    edns = b"\x00"
    rest = query[question_end:]
    if len(rest) >= 11 and rest[0] == 0 and rest[1:3] == b"\x00\x29":
        edns = b"\x02" if rest[7] & 0x80 else b"\x01"
    return query[12:name_end].lower() + query[name_end:question_end] + edns
