"""What the workload controllers (ReplicaSet, Deployment, StatefulSet) share.

Each writes through an API client, reads informers it is given (shared) or runs its own,
records events when it has a recorder, reads the time through ``now`` (tests pass their
own), and claims the objects its selector matches: ``claims.claim`` says which to adopt
and release (pure), ``_settle`` writes that. The rest, what to create, scale or delete and
what status to report, is each controller's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.controllers import claims
from tinykube.controllers.events import EventType, Recorder
from tinykube.controllers.reconcile import Controller
from tinykube.errors import NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

Now = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class WorkloadController(Controller[str]):
    def __init__(self, api: ApiClient, *, informers: InformerFactory | None,
                 recorder: Recorder | None, workers: int, clock: Clock | None,
                 now: Now) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self._recorder = recorder
        self._now = now

    def _event(self, obj: Obj, type_: EventType, reason: str, message: str) -> None:
        if self._recorder is not None:
            self._recorder.event(obj, type_, reason, message)

    async def _settle(self, kind: Kind, owner: Obj, found: claims.Claim) -> list[Obj]:
        """Write ``found``'s adoptions and releases; the owned objects, adopted ones as
        written (a released one already gone is fine)."""
        owned = list(found.owned)
        for obj in found.adopt:
            owned.append(await self._api.update(kind, claims.adopted(obj, owner)))
        for obj in found.release:
            with contextlib.suppress(NotFound):
                await self._api.update(kind, claims.released(obj, owner))
        return owned
