"""dnspython's one home: the slow path's full parse of a query, and the answer records of
an upstream reply when an ExternalName's CNAME is completed through the upstream.

Everything dnspython raises on hostile input is turned into ``wire.Malformed`` here, so
callers never import dnspython to catch its errors.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode

from tinykube.dns import wire


@dataclass(frozen=True)
class Edns:
    payload: int
    version: int
    do: bool


@dataclass(frozen=True)
class Query:
    ident: int
    flags: int  # the 16 header flag bits as received
    opcode: int
    questions: int
    qname: bytes  # wire form, spelled as the client spelled it
    qtype: int
    qclass: int
    edns: Edns | None


def _parse(data: bytes) -> dns.message.Message:
    try:
        return dns.message.from_wire(data, ignore_trailing=False)
    except (dns.exception.DNSException, ValueError, IndexError, KeyError, UnicodeError) as e:
        raise wire.Malformed(str(e) or type(e).__name__) from e


def parse_query(data: bytes) -> Query:
    """Parse a whole query; raises ``wire.Malformed`` for anything that is not one."""
    msg = _parse(data)
    edns = None
    if msg.edns >= 0:
        edns = Edns(msg.payload, msg.edns, bool(msg.ednsflags & dns.flags.DO))
    qname, qtype, qclass = b"", 0, 0
    if msg.question:
        q = msg.question[0]
        qname = q.name.to_wire() or b"\x00"
        qtype, qclass = int(q.rdtype), int(q.rdclass)
    return Query(msg.id, msg.flags, int(msg.opcode()), len(msg.question), qname, qtype,
                 qclass, edns)


def answer_records(reply: bytes) -> tuple[int, int, bytes]:
    """(rcode, record count, the answer section without compression) of an upstream reply."""
    msg = _parse(reply)
    out = io.BytesIO()
    count = 0
    for rrset in msg.answer:
        count += rrset.to_wire(out)
    return int(msg.rcode()), count, out.getvalue()
