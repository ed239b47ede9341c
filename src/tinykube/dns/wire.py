"""DNS wire format by hand: constants, a compressing writer and a bounded record walker.

The writer builds the compiled answers once per change, so it favours clarity; the walker
runs on forwarded replies (cache TTL patching, chase merging) and treats its input as
hostile: every read is bounds-checked and a compression pointer may only point backwards,
so it always terminates. Parsing queries is ``answer.py``'s (fast) and ``message.py``'s
(slow) job.
"""

from __future__ import annotations

import struct

from tinykube.dns.names import Name

# Types.
A, NS, CNAME, SOA, PTR, HINFO, MX, TXT, AAAA, SRV, DNAME, OPT = (
    1, 2, 5, 6, 12, 13, 15, 16, 28, 33, 39, 41,
)
IXFR, AXFR, ANY = 251, 252, 255
CLASS_IN = 1

# Response codes (BADVERS is extended: 16 = upper bits 1 in the OPT TTL, header rcode 0).
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
BADVERS = 16

# Header flag bits, as a 16-bit value.
QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
OPCODE_MASK = 0x7800
CD = 0x0010

TYPE_NAMES = {
    A: "A", NS: "NS", CNAME: "CNAME", SOA: "SOA", PTR: "PTR", HINFO: "HINFO", MX: "MX",
    TXT: "TXT", AAAA: "AAAA", SRV: "SRV", DNAME: "DNAME", OPT: "OPT", IXFR: "IXFR",
    AXFR: "AXFR", ANY: "ANY", 65: "HTTPS", 64: "SVCB", 43: "DS", 48: "DNSKEY", 46: "RRSIG",
    99: "SPF", 257: "CAA",
}
RCODE_NAMES = {
    NOERROR: "NOERROR", FORMERR: "FORMERR", SERVFAIL: "SERVFAIL", NXDOMAIN: "NXDOMAIN",
    NOTIMP: "NOTIMP", REFUSED: "REFUSED", BADVERS: "BADVERS",
}

HEADER = struct.Struct("!HHHHHH")
RR_FIXED = struct.Struct("!HHIH")  # type, class, ttl, rdlength

MAX_POINTER = 0x3FFF


class Malformed(ValueError):
    """The bytes are not a well-formed DNS message."""


class Writer:
    """Appends to a message that starts at offset 0 with a 12-byte header.

    ``remember`` decides whether the names written can be pointed at later: names in the
    rotating part of an answer move between queries, so they must not be.
    """

    def __init__(self, start: int = 12) -> None:
        self.buf = bytearray()
        self.start = start
        self._table: dict[Name, int] = {}

    @property
    def offset(self) -> int:
        return self.start + len(self.buf)

    def learn(self, name: Name, offset: int) -> None:
        """Make ``name``, already written at ``offset`` (the question), a pointer target."""
        for i in range(len(name)):
            if offset <= MAX_POINTER:
                self._table.setdefault(name[i:], offset)
            offset += len(name[i]) + 1

    def raw(self, data: bytes) -> None:
        self.buf += data

    def name(self, name: Name, *, compress: bool = True, remember: bool = True) -> None:
        for i in range(len(name)):
            suffix = name[i:]
            target = self._table.get(suffix) if compress else None
            if target is not None:
                self.buf += struct.pack("!H", 0xC000 | target)
                return
            if remember and self.offset <= MAX_POINTER and suffix not in self._table:
                self._table[suffix] = self.offset
            label = name[i]
            self.buf += bytes((len(label),)) + label
        self.buf += b"\x00"

    def getvalue(self) -> bytes:
        return bytes(self.buf)


def read_name(msg: bytes, pos: int) -> tuple[Name, int]:
    """Read a possibly compressed name; return it (lowercased) and the offset after it."""
    labels: list[bytes] = []
    end = -1
    total = 1
    limit = pos  # pointers must go strictly backwards
    while True:
        if pos >= len(msg):
            raise Malformed("name runs past the end")
        size = msg[pos]
        if size == 0:
            return tuple(labels), (pos + 1 if end < 0 else end)
        if size & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise Malformed("truncated pointer")
            target = ((size & 0x3F) << 8) | msg[pos + 1]
            if end < 0:
                end = pos + 2
            if target >= limit:
                raise Malformed("forward or looping pointer")
            pos = limit = target
            continue
        if size & 0xC0:
            raise Malformed("reserved label type")
        label = msg[pos + 1 : pos + 1 + size]
        if len(label) != size:
            raise Malformed("label runs past the end")
        total += size + 1
        if total > 255:
            raise Malformed("name too long")
        labels.append(label.lower())
        pos += size + 1


def skip_name(msg: bytes, pos: int) -> int:
    """The offset after a name at ``pos`` (pointers are not followed, only checked)."""
    while True:
        if pos >= len(msg):
            raise Malformed("name runs past the end")
        size = msg[pos]
        if size == 0:
            return pos + 1
        if size & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise Malformed("truncated pointer")
            return pos + 2
        if size & 0xC0:
            raise Malformed("reserved label type")
        pos += size + 1


def header(msg: bytes) -> tuple[int, int, int, int, int, int]:
    if len(msg) < 12:
        raise Malformed("short header")
    ident, flags, qd, an, ns, ar = HEADER.unpack_from(msg)
    return ident, flags, qd, an, ns, ar


def question_end(msg: bytes) -> int:
    """Offset after the single question of a message (qdcount must be 1)."""
    _, _, qd, _, _, _ = header(msg)
    if qd != 1:
        raise Malformed("expected one question")
    end = skip_name(msg, 12) + 4
    if end > len(msg):
        raise Malformed("truncated question")
    return end


def ttl_offsets(msg: bytes) -> tuple[list[int], int | None]:
    """Where each record's TTL sits (OPT excluded) and the smallest TTL, for caching.

    For a negative answer the smallest value is the SOA's ``min(ttl, minimum)`` (RFC 2308).
    """
    _, _, qd, an, ns, ar = header(msg)
    pos = 12
    for _ in range(qd):
        pos = skip_name(msg, pos) + 4
    offsets: list[int] = []
    smallest: int | None = None
    for _ in range(an + ns + ar):
        pos = skip_name(msg, pos)
        if pos + 10 > len(msg):
            raise Malformed("truncated record")
        rtype, _, ttl, rdlen = RR_FIXED.unpack_from(msg, pos)
        rdata = pos + 10
        if rdata + rdlen > len(msg):
            raise Malformed("truncated rdata")
        if rtype != OPT:
            offsets.append(pos + 4)
            if rtype == SOA and rdlen >= 20:
                ttl = min(ttl, struct.unpack_from("!I", msg, rdata + rdlen - 4)[0])
            smallest = ttl if smallest is None else min(smallest, ttl)
        pos = rdata + rdlen
    return offsets, smallest
