"""Compile a name's ``Node`` into ready wire answers: the part of the response after the
question, laid out for a question of exactly that name.

Owner names point at the question (offset 12), so copying the client's question into the
response echoes its spelling in every owner for free (R3): the case can differ, the length
cannot. Records that rotate are written so that nothing points into them; the authority
and additional sections come after them at a fixed offset whatever the rotation.
"""

from __future__ import annotations

from tinykube.dns import names, wire
from tinykube.dns.names import Name
from tinykube.dns.node import RR, Node, Reply

# Types whose rdata names may be compressed (RFC 3597 §4); SRV targets may not (RFC 2782).
COMPRESSIBLE = frozenset({wire.NS, wire.CNAME, wire.SOA, wire.PTR, wire.MX})

DEFAULT = -1  # the NameEntry key for "every other qtype"


class Compiled:
    """The answer to one (name, qtype): flags, counts and the bytes after the question."""

    __slots__ = ("an", "ar", "body", "chase", "fixed_end", "flags", "noadd_end", "ns",
                 "offsets", "rcode", "rot_end", "turn")

    def __init__(self, rcode: int, counts: tuple[int, int, int], body: bytes, *,
                 noadd_end: int, fixed_end: int, rot_end: int, offsets: tuple[int, ...],
                 chase: bytes | None) -> None:
        self.rcode = rcode
        # RA: out-of-zone names are forwarded, so recursion is available (and resolvers
        # such as nslookup warn when it is not).
        self.flags = wire.QR | wire.AA | wire.RA | (rcode & 0xF)
        self.an, self.ns, self.ar = counts
        self.body = body
        self.noadd_end = noadd_end  # body[:noadd_end]: without the additional section
        self.fixed_end = fixed_end  # body[fixed_end:rot_end]: records served in turns
        self.rot_end = rot_end
        self.offsets = offsets  # record starts within the rotating part; () = no rotation
        self.chase = chase  # out-of-zone CNAME target (wire), completed by the server
        self.turn = -1

    def rotated(self) -> bytes:
        """The body with the rotating records starting one further than last time."""
        turn = self.turn = (self.turn + 1) % len(self.offsets)
        start, cut, end = self.fixed_end, self.fixed_end + self.offsets[turn], self.rot_end
        b = self.body
        return b[:start] + b[cut:end] + b[start:cut] + b[end:]


NameEntry = dict[int, Compiled]


def _record(w: wire.Writer, rr: RR, remember: bool) -> None:
    if rr.owner is None:
        w.raw(b"\xc0\x0c")
    else:
        w.name(rr.owner, remember=remember)
    w.raw(wire.RR_FIXED.pack(rr.rtype, wire.CLASS_IN, rr.ttl, 0))
    length_at = len(w.buf) - 2
    compress = rr.rtype in COMPRESSIBLE
    for part in rr.rdata:
        if isinstance(part, bytes):
            w.raw(part)
        else:
            w.name(part, compress=compress, remember=remember)
    rdlen = len(w.buf) - length_at - 2
    w.buf[length_at : length_at + 2] = rdlen.to_bytes(2, "big")


# Negative answers (only the SOA in authority) differ between names only by where the
# zone sits in the question, so names of the same length share one compiled answer.
_NEGATIVE: dict[tuple[Reply, int, int], Compiled] = {}
_NEGATIVE_MAX = 4096


def _negative_zone(qname: Name, reply: Reply) -> Name | None:
    if reply.answer or reply.additional or reply.chase or len(reply.authority) != 1:
        return None
    zone = reply.authority[0].owner
    return zone if zone is not None and names.is_under(qname, zone) else None


def compile_reply(qname: Name, reply: Reply) -> Compiled:
    zone = _negative_zone(qname, reply)
    if zone is None:
        return _compile(qname, reply, qname)
    key = (reply, len(qname) - len(zone), names.wire_length(qname))
    c = _NEGATIVE.get(key)
    if c is None:
        if len(_NEGATIVE) >= _NEGATIVE_MAX:
            _NEGATIVE.clear()
        # Learn only the zone's position: then the body depends on nothing else.
        prefix = qname[: len(qname) - len(zone)]
        offset = 12 + names.wire_length(prefix) - 1
        c = _NEGATIVE[key] = _compile(qname, reply, zone, offset)
    return c


def _compile(qname: Name, reply: Reply, learn: Name, learn_at: int = 12) -> Compiled:
    qlen = names.wire_length(qname)
    w = wire.Writer(start=12 + qlen + 4)
    w.learn(learn, learn_at)
    split = reply.rotate if reply.rotate >= 0 else len(reply.answer)
    for rr in reply.answer[:split]:
        _record(w, rr, remember=True)
    fixed_end = len(w.buf)
    offsets = []
    for rr in reply.answer[split:]:
        offsets.append(len(w.buf) - fixed_end)
        _record(w, rr, remember=False)
    rot_end = len(w.buf)
    for rr in reply.authority:
        _record(w, rr, remember=True)
    noadd_end = len(w.buf)
    for rr in reply.additional:
        _record(w, rr, remember=True)
    counts = (len(reply.answer), len(reply.authority), len(reply.additional))
    chase = names.to_wire(reply.chase) if reply.chase is not None else None
    return Compiled(reply.rcode, counts, w.getvalue(), noadd_end=noadd_end,
                    fixed_end=fixed_end, rot_end=rot_end,
                    offsets=tuple(offsets) if len(offsets) > 1 else (), chase=chase)


def compile_node(qname: Name, node: Node) -> NameEntry:
    entry = {qtype: compile_reply(qname, reply) for qtype, reply in node.replies.items()}
    entry[DEFAULT] = compile_reply(qname, node.default)
    return entry
