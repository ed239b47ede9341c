"""Wire the shared informers of Services, EndpointSlices and Pods (and, optionally,
Namespaces) to a ``Zone``.

Each informer event becomes one ``Zone.upsert_*``/``delete_*`` call, which recompiles the
names that object touches before it returns: a record is served as soon as the informer
has delivered its event. Until every informer has delivered its first list the zone is
marked unsynced, so that "does not exist" is answered SERVFAIL rather than NXDOMAIN (R29).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tinykube.api import kinds
from tinykube.api.meta import Obj
from tinykube.dns.zone import Zone
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.informer import Informer


def _updated(upsert: Callable[[Obj], None]) -> Callable[[Obj, Obj], None]:
    def on_update(old: Obj, new: Obj) -> None:
        upsert(new)
    return on_update


def attach(zone: Zone, factory: InformerFactory, *, namespaces: bool = False) -> list[Informer]:
    """Register the zone's handlers on the factory's shared informers and mark it unsynced.

    With ``namespaces`` the zone must have been built with ``track_namespaces=True``: names
    then exist only in namespaces that exist (R9); without, a namespace exists while a
    Service or a Pod lives in it.
    """
    zone.set_synced(False)
    pairs: list[tuple[kinds.Kind, Callable[[Obj], None], Callable[[Obj], None]]] = [
        (kinds.SERVICE, zone.upsert_service, zone.delete_service),
        (kinds.ENDPOINT_SLICE, zone.upsert_slice, zone.delete_slice),
        (kinds.POD, zone.upsert_pod, zone.delete_pod),
    ]
    if namespaces:
        pairs.append((kinds.NAMESPACE, zone.upsert_namespace, zone.delete_namespace))
    informers = []
    for kind, upsert, delete in pairs:
        informer = factory.informer(kind)
        informer.add_handlers(upsert, _updated(upsert), delete)
        informers.append(informer)
    return informers


async def mark_synced(zone: Zone, informers: list[Informer]) -> None:
    """Mark the zone synced once every informer has delivered its first list."""
    await asyncio.gather(*(informer.wait_synced() for informer in informers))
    zone.set_synced(True)
