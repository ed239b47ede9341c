"""What one name answers, before it is turned into bytes.

The record rules (``rules.py``, ``apex.py``, ``reverse.py``, ``pods.py``) describe each name
as a ``Node``: a ``Reply`` per query type plus a default for every other type. ``render.py``
compiles a node into wire answers once; the resolver also hands nodes to ExternalName
chasing. Records whose owner is ``None`` are owned by the question name itself, so the
compiled answer points at the question and echoes the client's spelling (R3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tinykube.dns import wire
from tinykube.dns.names import Name

RData = tuple[bytes | Name, ...]


@dataclass(frozen=True)
class RR:
    """One resource record. ``rdata`` parts are raw bytes or domain names (tuples)."""

    owner: Name | None
    rtype: int
    ttl: int
    rdata: RData

    def owned_by(self, name: Name) -> RR:
        """The same record with a question-owned owner made explicit."""
        return self if self.owner is not None else replace(self, owner=name)


@dataclass(frozen=True)
class Reply:
    rcode: int = wire.NOERROR
    answer: tuple[RR, ...] = ()
    authority: tuple[RR, ...] = ()
    additional: tuple[RR, ...] = ()
    # answer[rotate:] is served in turns so clients spread over endpoints; -1: fixed order.
    rotate: int = -1
    # An out-of-zone CNAME target: the server completes the answer through the upstream.
    chase: Name | None = None


@dataclass(frozen=True)
class Node:
    replies: Mapping[int, Reply] = field(default_factory=dict)
    default: Reply = Reply()

    def reply(self, qtype: int) -> Reply:
        return self.replies.get(qtype, self.default)
