"""Query bytes in, response bytes out: the DNS server's pure core.

The fast path reads the header, one question and at most one plain OPT record by hand,
finds the compiled answer with one dictionary lookup on the lowercased name, and glues
``ID + flags/counts + the client's own question + compiled body (+ OPT)``. Everything
unusual — other opcodes, several questions, EDNS versions, classes, zone transfers,
malformed packets — takes the slow path through ``message.parse_query``, whose answers
come from the same compiled entries. Nothing raises out of ``answer``: a packet that is
not even a header is dropped (``None``); one that does not parse gets FORMERR.

Two outcomes need the network and are left to the server: ``FORWARD`` (a name outside our
zones, or a reverse name without a PTR) and a ``Chase`` (an ExternalName whose CNAME
leaves the zone: the server looks the target up upstream and calls ``Chase.complete``).
"""

from __future__ import annotations

import logging
import struct
from typing import Final

from tinykube.dns import message, names, wire
from tinykube.dns.render import DEFAULT, Compiled, NameEntry
from tinykube.dns.zone import Zone

log = logging.getLogger(__name__)

# What we advertise and the most we send over UDP (the DNS flag day 2020 value).
MAX_UDP = 1232
PLAIN_UDP = 512
TCP_MAX = 65535

_HDR = struct.Struct("!HHHHH")  # flags, qd, an, ns, ar (after the 2-byte ID)
_OPT = struct.Struct("!BHHIH")  # root, type, payload, ext-rcode/version/flags, rdlen
_OPT_PLAIN = _OPT.pack(0, wire.OPT, MAX_UDP, 0, 0)
_OPT_DO = _OPT.pack(0, wire.OPT, MAX_UDP, 0x8000, 0)
_ONE_QUESTION = b"\x00\x01\x00\x00\x00\x00"
_CLASS_IN = b"\x00\x01"
_ECHO = wire.RD | wire.CD  # request flags copied into the response
_XFR = (wire.AXFR, wire.IXFR)


class Forward:
    """Marker: the query is not ours; send it upstream as it is."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FORWARD"


FORWARD: Final = Forward()


class Chase:
    """A compiled CNAME whose target must be looked up upstream before answering."""

    __slots__ = ("compiled", "fallback", "flags", "ident", "limit", "opt", "qtype",
                 "question", "target")

    def __init__(self, ident: bytes, flags: int, question: bytes, *, compiled: Compiled,
                 fallback: Compiled, limit: int, opt: bytes, qtype: int) -> None:
        self.ident, self.flags, self.question = ident, flags, question
        self.compiled, self.fallback = compiled, fallback
        self.limit, self.opt, self.qtype = limit, opt, qtype
        self.target: bytes = compiled.chase or b"\x00"

    def complete(self, upstream: bytes | None) -> bytes:
        """The CNAME followed by the upstream's answer records; if the upstream failed,
        NODATA without the CNAME, as CoreDNS answers (R22)."""
        try:
            if upstream is None:
                raise wire.Malformed("no upstream reply")
            _, count, records = message.answer_records(upstream)
        except wire.Malformed:
            return _build(self.ident, self.flags, self.question, self.fallback, self.limit,
                          self.opt)
        c = self.compiled
        flags = c.flags | self.flags
        body = c.body + records
        an = c.an + count
        ar = 1 if self.opt else 0
        if len(self.question) + 12 + len(body) + len(self.opt) > self.limit:
            flags, body, an = flags | wire.TC, b"", 0
        return self.ident + _HDR.pack(flags, 1, an, 0, ar) + self.question + body + self.opt


Response = bytes | Forward | Chase | None


def answer(query: bytes, zone: Zone, *, tcp: bool = False, max_udp: int = MAX_UDP) -> Response:
    """The response to one query (see the module docstring for the four outcomes)."""
    try:
        return _fast(query, zone, tcp, max_udp)
    except Exception:  # a bug must cost one query, never the server
        log.exception("answer failed for a %d-byte query", len(query))
        return _error(query, wire.SERVFAIL)


def _fast(query: bytes, zone: Zone, tcp: bool, max_udp: int) -> Response:
    n = len(query)
    if n < 17 or query[2] & 0xF8 or query[4:10] != _ONE_QUESTION:
        return _slow(query, zone, tcp, max_udp)
    end = query.find(0, 12)
    qend = end + 5
    if end < 0 or n < qend or query[end + 3 : qend] != _CLASS_IN:
        return _slow(query, zone, tcp, max_udp)
    if n == qend and query[10:12] == b"\x00\x00":
        opt, limit = b"", TCP_MAX if tcp else PLAIN_UDP
    elif (n >= qend + 11 and query[10:12] == b"\x00\x01" and query[qend] == 0
          and query[qend + 1] == 0 and query[qend + 2] == wire.OPT
          and query[qend + 6] == 0 and n == qend + 11 + (query[qend + 9] << 8 | query[qend + 10])):
        # One OPT with EDNS version 0 (byte qend+6); its options (cookies...) are ignored.
        opt = _OPT_DO if query[qend + 7] & 0x80 else _OPT_PLAIN
        payload = query[qend + 3] << 8 | query[qend + 4]
        limit = TCP_MAX if tcp else min(max(payload, PLAIN_UDP), max_udp)
    else:
        return _slow(query, zone, tcp, max_udp)
    qname = query[12 : end + 1].lower()
    entry = zone.names.get(qname)
    if entry is None:
        if not _plain_name(query, end):
            return _slow(query, zone, tcp, max_udp)
        entry = zone.miss(qname)
        if entry is None:
            return FORWARD
    qtype = query[end + 1] << 8 | query[end + 2]
    if qtype in _XFR:
        return _slow(query, zone, tcp, max_udp)
    return _respond(query[:2], (query[2] << 8 | query[3]) & _ECHO, query[12:qend], entry,
                    qtype, limit, opt, zone)


def _plain_name(query: bytes, end: int) -> bool:
    """The bytes 12..end are a sequence of 1..63-byte labels ending exactly at ``end``."""
    pos = 12
    while pos < end:
        size = query[pos]
        if size > names.MAX_LABEL:
            return False
        pos += size + 1
    return pos == end and end - 12 < names.MAX_NAME


# The hot path passes positional arguments on purpose: no per-query objects.
def _respond(ident: bytes, echo: int, question: bytes, entry: NameEntry, qtype: int,  # noqa: PLR0917
             limit: int, opt: bytes, zone: Zone) -> bytes | Chase:
    c = entry.get(qtype) or entry[DEFAULT]
    if c.rcode == wire.NXDOMAIN and not zone.synced:
        return ident + _HDR.pack(wire.QR | wire.SERVFAIL | echo, 1, 0, 0, 1 if opt else 0) \
            + question + opt
    if c.chase is not None:
        return Chase(ident, echo, question, compiled=c, fallback=entry[DEFAULT], limit=limit,
                     opt=opt, qtype=qtype)
    return _build(ident, echo, question, c, limit, opt)


def _build(ident: bytes, echo: int, question: bytes, c: Compiled, limit: int,  # noqa: PLR0917
           opt: bytes) -> bytes:
    body = c.rotated() if c.offsets else c.body
    flags = c.flags | echo
    an, ns, ar = c.an, c.ns, c.ar
    head = 12 + len(question) + len(opt)
    if head + len(body) > limit:
        # Drop the additional section first (RFC 2181 §9: no TC for that), then everything.
        if head + c.noadd_end <= limit:
            body, ar = body[: c.noadd_end], 0
        else:
            body, an, ns, ar, flags = b"", 0, 0, 0, flags | wire.TC
    if opt:
        ar += 1
    return ident + _HDR.pack(flags, 1, an, ns, ar) + question + body + opt


# ---------------------------------------------------------------------- slow path


def _error(query: bytes, rcode: int) -> bytes | None:
    """A bare header echoing the ID, opcode and RD; None when there is no header to echo
    or the packet is itself a response (never answer those: no reflection loops)."""
    if len(query) < 12 or query[2] & 0x80:
        return None
    flags = wire.QR | wire.RA | ((query[2] << 8) & (wire.OPCODE_MASK | wire.RD)) | rcode
    return query[:2] + _HDR.pack(flags, 0, 0, 0, 0)


def _slow(query: bytes, zone: Zone, tcp: bool, max_udp: int) -> Response:
    if len(query) < 12 or query[2] & 0x80:
        return None
    try:
        q = message.parse_query(query)
    except wire.Malformed as e:
        log.debug("FORMERR: %s", e)
        return _error(query, wire.FORMERR)
    if q.opcode != 0:
        return _error(query, wire.NOTIMP)
    if q.questions != 1 or query[12 : 12 + len(q.qname)] != q.qname:
        return _error(query, wire.FORMERR)  # compressed questions are legal, never sane
    ident, echo = query[:2], q.flags & _ECHO
    question = q.qname + struct.pack("!HH", q.qtype, q.qclass)
    opt, limit = b"", TCP_MAX if tcp else PLAIN_UDP
    if q.edns is not None:
        opt = _OPT_DO if q.edns.do else _OPT_PLAIN
        if q.edns.version != 0:  # BADVERS: extended rcode 16 = 1 in the OPT's top byte
            badvers = _OPT.pack(0, wire.OPT, MAX_UDP, 1 << 24, 0)
            return ident + _HDR.pack(wire.QR | echo, 1, 0, 0, 1) + question + badvers
        if not tcp:
            limit = min(max(q.edns.payload, PLAIN_UDP), max_udp)
    if q.qclass != wire.CLASS_IN or q.qtype in _XFR:
        return ident + _HDR.pack(wire.QR | echo | wire.REFUSED, 1, 0, 0, 1 if opt else 0) \
            + question + opt
    qname = q.qname.lower()
    entry = zone.names.get(qname) or zone.miss(qname)
    if entry is None:
        return FORWARD
    return _respond(ident, echo, question, entry, q.qtype, limit, opt, zone)
