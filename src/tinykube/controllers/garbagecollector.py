"""The garbage collector: dependents follow their owners (``metadata.ownerReferences``).

It watches every kind in ``api.kinds.KINDS`` and indexes objects by uid and by owner uid;
the queue key is an object's uid. For one object it does what Kubernetes' GC does:

- it names owners: each is solid, dangling or waiting (``ownership.decide``); an owner not
  in the caches is looked up live before it is called dangling, since caches of different
  kinds lag each other. Dangling and waiting owners get the dependent deleted (background,
  or foreground when it has dependents itself) unless a solid owner remains, in which case
  only the references to the others are removed;
- it is terminating with the ``foregroundDeletion`` finalizer: its dependents are queued
  (they see a waiting owner and go), and once no dependent with ``blockOwnerDeletion``
  remains the finalizer is removed, so the API server deletes it;
- it is terminating with the ``orphan`` finalizer: the references to it are removed from
  every dependent, then the finalizer.

Events wake the object itself, its owners (a dependent went away or changed) and its
dependents (an owner went away or started a foreground deletion).
"""

from __future__ import annotations

import contextlib
import logging

from tinykube.api import kinds, meta
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.controllers.ownership import (
    FOREGROUND,
    ORPHAN,
    OwnerState,
    blocks,
    decide,
    finalizers,
    is_foreground_deleting,
    without_finalizer,
    without_owners,
)
from tinykube.controllers.reconcile import Controller
from tinykube.errors import Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient, Propagation
from tinykube.machinery.cache import by_owner_uid, by_uid
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.informer import Informer

log = logging.getLogger(__name__)

UID_INDEX = "uid"
OWNER_INDEX = "owner-uid"


class GarbageCollector(Controller[str]):
    name = "garbagecollector"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 workers: int = 2, clock: Clock | None = None) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self._by_kind: dict[Kind, Informer] = {}
        for kind in kinds.KINDS:
            inf = self.informers.informer(kind)
            inf.index(UID_INDEX, by_uid)
            inf.index(OWNER_INDEX, by_owner_uid)
            self._by_kind[kind] = inf
            self.watch(inf, self._keys)

    # ------------------------------------------------------------------ the graph

    def _keys(self, obj: Obj) -> list[str]:
        """The object, its owners and its dependents."""
        uid = meta.uid(obj)
        out = [uid, *by_owner_uid(obj)]
        out.extend(meta.uid(d) for _, d in self.dependents(uid))
        return [u for u in out if u]

    def lookup(self, uid: str) -> tuple[Kind, Obj] | None:
        """The cached object with this uid, and its kind."""
        for kind, inf in self._by_kind.items():
            hits = inf.by_index(UID_INDEX, uid)
            if hits:
                return kind, hits[0]
        return None

    def dependents(self, owner_uid: str) -> list[tuple[Kind, Obj]]:
        return [(kind, d) for kind, inf in self._by_kind.items()
                for d in inf.by_index(OWNER_INDEX, owner_uid)]

    # ------------------------------------------------------------------ reconcile

    async def reconcile(self, key: str) -> None:
        found = self.lookup(key)
        if found is None:
            return
        kind, obj = found
        if meta.is_terminating(obj):
            fins = finalizers(obj)
            if ORPHAN in fins:
                await self._orphan_dependents(kind, obj)
            elif FOREGROUND in fins:
                await self._delete_dependents(kind, obj)
            return
        if meta.owner_references(obj):
            await self._collect(kind, obj)

    async def _collect(self, kind: Kind, obj: Obj) -> None:
        states = {str(ref.get("uid") or ""): await self._owner_state(kind, obj, ref)
                  for ref in meta.owner_references(obj)}
        decision = decide(states, has_dependents=bool(self.dependents(meta.uid(obj))))
        if decision.action == "unlink":
            log.info("gc unlink kind=%s key=%s owners=%s", kind.plural, meta.key_of(obj),
                     sorted(decision.unlink))
            await self._unlink(kind, obj, decision.unlink)
        elif decision.action == "delete":
            assert decision.propagation is not None
            log.info("gc delete kind=%s key=%s propagation=%s", kind.plural,
                     meta.key_of(obj), decision.propagation)
            await self._delete(kind, obj, decision.propagation)

    async def _owner_state(self, kind: Kind, obj: Obj, ref: dict[str, object]) -> OwnerState:
        uid = str(ref.get("uid") or "")
        found = self.lookup(uid)
        if found is not None:
            return OwnerState.WAITING if is_foreground_deleting(found[1]) else OwnerState.SOLID
        try:
            owner_kind = kinds.by_gvk(str(ref.get("apiVersion") or ""), str(ref.get("kind") or ""))
        except NotFound:
            return OwnerState.SOLID  # a kind we do not serve: never delete because of it
        if owner_kind.namespaced and not kind.namespaced:
            return OwnerState.SOLID  # invalid reference; Kubernetes leaves these alone
        namespace = meta.namespace(obj) if owner_kind.namespaced else None
        try:
            live = await self._api.get(owner_kind, str(ref.get("name") or ""), namespace)
        except NotFound:
            return OwnerState.DANGLING
        if meta.uid(live) != uid:
            return OwnerState.DANGLING
        return OwnerState.WAITING if is_foreground_deleting(live) else OwnerState.SOLID

    async def _delete_dependents(self, kind: Kind, owner: Obj) -> None:
        uid = meta.uid(owner)
        deps = self.dependents(uid)
        for _, dep in deps:
            if not meta.is_terminating(dep):
                self.enqueue(meta.uid(dep))
        if any(blocks(dep, uid) for _, dep in deps):
            return  # their deletion wakes this owner again
        await self._remove_finalizer(kind, owner, FOREGROUND)

    async def _orphan_dependents(self, kind: Kind, owner: Obj) -> None:
        uid = meta.uid(owner)
        for dep_kind, dep in self.dependents(uid):
            await self._unlink(dep_kind, dep, {uid})
        await self._remove_finalizer(kind, owner, ORPHAN)

    # ------------------------------------------------------------------ writes

    async def _delete(self, kind: Kind, obj: Obj, propagation: Propagation) -> None:
        # NotFound: gone already; Conflict: the uid precondition failed, a new object
        # took the name (its own owners decide its fate).
        with contextlib.suppress(NotFound, Conflict):
            await self._api.delete(kind, meta.name(obj), meta.namespace(obj) or None,
                                   propagation=propagation, uid=meta.uid(obj))

    async def _unlink(self, kind: Kind, obj: Obj, owner_uids: frozenset[str] | set[str],
                      ) -> None:
        live = await self._live(kind, obj)
        new = without_owners(live, owner_uids) if live is not None else None
        if new is not None:
            await self._api.update(kind, new)

    async def _remove_finalizer(self, kind: Kind, obj: Obj, name: str) -> None:
        live = await self._live(kind, obj)
        new = without_finalizer(live, name) if live is not None else None
        if new is not None:
            log.info("gc remove finalizer=%s kind=%s key=%s", name, kind.plural,
                     meta.key_of(obj))
            await self._api.update(kind, new)

    async def _live(self, kind: Kind, obj: Obj) -> Obj | None:
        """The current state of ``obj`` from the API; None if it is gone or replaced."""
        try:
            live = await self._api.get(kind, meta.name(obj), meta.namespace(obj) or None)
        except NotFound:
            return None
        return live if meta.uid(live) == meta.uid(obj) else None
