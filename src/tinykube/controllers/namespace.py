"""The namespace controller: empties a terminating namespace, then lets it go.

Deleting a namespace only marks it (``deletionTimestamp``, phase ``Terminating``); the
``kubernetes`` entry of ``spec.finalizers`` holds it. For such a namespace this controller
deletes every namespaced object in it, of every kind, with background propagation; when a
fresh list finds nothing left it removes ``kubernetes`` through
``PUT /api/v1/namespaces/{name}/finalize`` and the API server deletes the namespace.

It lists live rather than trusting its caches, since a namespace must not vanish while
something in it was just created. Objects held by their own finalizers (or pods shutting
down) keep it waiting: the caches' events for the namespace's objects wake it, and a
``Retry`` every ``retry_delay`` seconds is the safety net.
"""

from __future__ import annotations

import logging

from tinykube.api import kinds, meta
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.errors import NotFound, Retry
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

FINALIZER = "kubernetes"
NAMESPACED: tuple[Kind, ...] = tuple(k for k in kinds.KINDS if k.namespaced)


def spec_finalizers(ns: Obj) -> list[str]:
    return [str(f) for f in (ns.get("spec") or {}).get("finalizers") or []]


class NamespaceController(Controller[str]):
    name = "namespace"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 workers: int = 1, clock: Clock | None = None,
                 retry_delay: float = 5.0) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self.retry_delay = retry_delay
        self._namespaces = self.informers.informer(kinds.NAMESPACE)
        self.watch(self._namespaces, object_key)
        for kind in NAMESPACED:
            self.watch(self.informers.informer(kind), self._terminating_namespace_of)

    def _terminating_namespace_of(self, obj: Obj) -> list[str]:
        name = meta.namespace(obj)
        ns = self._namespaces.get(name)
        return [name] if ns is not None and meta.is_terminating(ns) else []

    async def reconcile(self, key: str) -> None:
        ns = self._namespaces.get(key)
        if ns is None or not meta.is_terminating(ns) or FINALIZER not in spec_finalizers(ns):
            return
        if await self._delete_contents(key) and (left := await self._count(key)):
            raise Retry(self.retry_delay, f"namespace {key}: {left} objects still there")
        await self._finalize(key)

    async def _delete_contents(self, namespace: str) -> int:
        """Delete what is in ``namespace``; how many objects were found."""
        found = 0
        for kind in NAMESPACED:
            items, _ = await self._api.list(kind, namespace)
            found += len(items)
            for obj in items:
                if meta.is_terminating(obj):
                    continue
                try:
                    await self._api.delete(kind, meta.name(obj), namespace,
                                           propagation="Background", uid=meta.uid(obj))
                except NotFound:
                    continue
        if found:
            log.info("namespace=%s deleting objects=%d", namespace, found)
        return found

    async def _count(self, namespace: str) -> int:
        total = 0
        for kind in NAMESPACED:
            items, _ = await self._api.list(kind, namespace)
            total += len(items)
        return total

    async def _finalize(self, name: str) -> None:
        try:
            live = await self._api.get(kinds.NAMESPACE, name)
        except NotFound:
            return
        fins = spec_finalizers(live)
        if not meta.is_terminating(live) or FINALIZER not in fins:
            return
        live.setdefault("spec", {})["finalizers"] = [f for f in fins if f != FINALIZER]
        log.info("namespace=%s empty, finalizing", name)
        await self._api.update(kinds.NAMESPACE, live, subresource="finalize")
