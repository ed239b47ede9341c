"""Shared informers: one list+watch per collection, however many controllers read it.

``InformerFactory.informer(kind)`` hands out the same ``Informer`` to every caller asking
for the same collection (kind, namespace, selectors); ``run()`` owns their tasks, including
informers asked for after it started. Controllers register handlers and indexes on the
shared informers and wait for ``has_synced``; they never run informers themselves, so the
process decides their lifetime in one place (kube-controller-manager's
``SharedInformerFactory``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tinykube.api.kinds import Kind
from tinykube.machinery.clock import Clock
from tinykube.machinery.informer import Informer
from tinykube.machinery.listwatch import ListerWatcher
from tinykube.machinery.ratelimit import Backoff

_Key = tuple[Kind, str | None, str, str]


class InformerFactory:
    def __init__(self, lw: ListerWatcher, *, clock: Clock | None = None,
                 backoff: Callable[[], Backoff] = Backoff,
                 watch_timeout: int | None = None) -> None:
        self._lw = lw
        self._clock = clock
        self._backoff = backoff
        self._watch_timeout = watch_timeout
        self._informers: dict[_Key, Informer] = {}
        self._started: set[_Key] = set()
        self._new = asyncio.Event()

    def informer(self, kind: Kind, namespace: str | None = None, *,
                 label_selector: str = "", field_selector: str = "") -> Informer:
        """The shared informer of this collection, created on first use."""
        key: _Key = (kind, namespace if kind.namespaced else None, label_selector,
                     field_selector)
        inf = self._informers.get(key)
        if inf is None:
            inf = Informer(self._lw, kind, key[1], label_selector=label_selector,
                           field_selector=field_selector, clock=self._clock,
                           backoff=self._backoff(), watch_timeout=self._watch_timeout)
            self._informers[key] = inf
            self._new.set()
        return inf

    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    @property
    def has_synced(self) -> bool:
        return all(inf.has_synced for inf in self._informers.values())

    async def wait_synced(self) -> None:
        """Until every informer asked for so far has delivered its first list."""
        for inf in list(self._informers.values()):
            await inf.wait_synced()

    async def run(self) -> None:
        """Run every informer, present and future, until cancelled."""
        try:
            async with asyncio.TaskGroup() as tg:
                while True:
                    self._new.clear()
                    for key, inf in list(self._informers.items()):
                        if key not in self._started:
                            self._started.add(key)
                            tg.create_task(inf.run(), name=f"informer-{inf.kind.plural}")
                    await self._new.wait()
        finally:
            self._started.clear()  # a later run() starts them all again
