"""What else follows the proxy's state after each sync, and the problems it reports.

Besides the dataplane, two things must track Services: the health-check server (a
listener per ``healthCheckNodePort``) and the host publisher (listeners on host loopback
for NodePorts and LB IPs). Both are ``Follower``s the proxier calls after every committed
sync with the same state and changed set. What they cannot do (a host port already taken)
is a ``Problem``, which the proxier turns into a Warning Event on the Service, once per
problem — never an exception that would stop the loop.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from tinykube.proxy.model import ProxyState, ServicePortName


@dataclass(frozen=True, order=True)
class Problem:
    """A Service the proxy could not fully serve: becomes a Warning Event."""

    namespace: str
    name: str
    reason: str  # CamelCase, e.g. "PortInUse"
    message: str


class Follower(Protocol):
    async def follow(self, state: ProxyState,
                     changed: Set[ServicePortName] | None) -> Set[Problem]:
        """Catch up with ``state`` (``changed`` as for ``Dataplane.sync``); the problems
        that hold now (all of them, not only new ones)."""
        ...

    async def close(self) -> None:
        ...
