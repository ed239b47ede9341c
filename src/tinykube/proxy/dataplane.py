"""The one interface every dataplane backend implements.

The proxier (``proxier.py``) owns the informers, the change trackers and the sync loop;
a ``Dataplane`` only turns the proxy's state into packets going where they should. Two
implement it: ``nftables.NftDataplane`` (rules in the node's network namespace, the
default) and ``userspace.UserspaceDataplane`` (asyncio listeners that relay connections,
for machines without nftables). The contract both must honour — which endpoints a new
connection may reach, rejection without endpoints, drops under a Local policy, ClientIP
affinity — is tested once, against both (``tests/unit/proxy/test_dataplane_contract.py``).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from tinykube.proxy.model import ProxyState, ServicePortName


@dataclass(frozen=True)
class SyncResult:
    """What a sync asks of the loop: another sync no later than ``retry_after`` seconds
    (e.g. to delete chains that were only flushed), or nothing."""

    retry_after: float | None = None


class Dataplane(Protocol):
    async def sync(self, state: ProxyState,
                   changed: Set[ServicePortName] | None) -> SyncResult:
        """Make the dataplane match ``state``.

        ``changed`` names the service ports that changed since the last sync that
        succeeded; ``None`` asks for a full sync. A failure raises (``SystemError_``) and
        leaves the dataplane as it was before the call; the next call is then a full sync
        whatever ``changed`` says.
        """
        ...

    async def cleanup(self) -> None:
        """Remove everything this dataplane programmed or opened."""
        ...
