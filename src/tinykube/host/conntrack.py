"""Delete stale UDP conntrack entries inside a node's network namespace.

A UDP "connection" to a ClusterIP keeps its DNAT in conntrack for as long as the client
keeps sending, so after its endpoint is removed the client would keep talking to a dead
address; after a service gains endpoints, entries created while it rejected would keep
rejecting. kube-proxy deletes those entries (``conntrack.CleanStaleEntries``); this shell
runs ``conntrack -D -p udp`` with the given filter. "0 flow entries have been deleted"
(exit status 1) is a normal outcome, not an error.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

from tinykube.errors import SystemError_
from tinykube.host import nscommand

CONNTRACK = "conntrack"
_DELETED = re.compile(r"(\d+) flow entr(?:y|ies) ha(?:s|ve) been deleted")


@dataclass(frozen=True, order=True)
class UdpFlowFilter:
    """Which UDP entries to delete: by original destination (IP and port) and by the
    address they were DNATed to; unset fields match anything."""

    orig_dst: str = ""
    orig_port_dst: int = 0
    dst_nat: str = ""

    def args(self) -> list[str]:
        out = ["-D", "-p", "udp"]
        if self.orig_dst:
            out += ["--orig-dst", self.orig_dst]
        if self.orig_port_dst:
            out += ["--orig-port-dst", str(self.orig_port_dst)]
        if self.dst_nat:
            out += ["--dst-nat", self.dst_nat]
        return out


def available() -> bool:
    return shutil.which(CONNTRACK) is not None


async def delete_udp(netns: str, flt: UdpFlowFilter) -> int:
    """Delete the matching UDP entries in ``netns``; how many there were."""
    if not (flt.orig_dst or flt.orig_port_dst or flt.dst_nat):
        raise ValueError("refusing to delete every UDP conntrack entry")
    done = await nscommand.run(netns, [CONNTRACK, *flt.args()])
    m = _DELETED.search(done.stderr + done.stdout)
    if m:
        return int(m.group(1))
    raise SystemError_(f"conntrack {' '.join(flt.args())} failed in {netns}: "
                       f"{done.stderr.strip()}")
