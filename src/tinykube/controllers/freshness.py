"""Has the cache caught up with my own writes? (client-go's "expectations", simplified.)

A controller that creates objects with ``generateName`` must not act on a cache that has
not seen its last creates yet, or it creates them again. Kubernetes counts expected adds
and deletes per key; tinykube's store has one global revision, so a write's
``resourceVersion`` says enough: once the informer has delivered a revision at least that
high, the write is in the cache. Deletes are remembered by uid until the cache no longer
holds that object alive.

A reconcile calls ``fresh(key)`` first and, when it is false, returns: the informer event
that makes it true enqueues the key again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.machinery.informer import Informer


def revision(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class _Expect:
    revision: int = 0
    gone: dict[str, str] = field(default_factory=dict)  # cache key -> uid


class WriteTracker:
    def __init__(self, informer: Informer) -> None:
        self._informer = informer
        self._expect: dict[str, _Expect] = {}

    def wrote(self, key: str, obj: Obj) -> None:
        """``obj`` came back from a create or update made for ``key``."""
        rv = revision(str(meta.metadata(obj).get("resourceVersion") or ""))
        if rv is not None:
            e = self._expect.setdefault(key, _Expect())
            e.revision = max(e.revision, rv)

    def deleted(self, key: str, obj: Obj) -> None:
        """``obj`` (as the cache had it) was deleted for ``key``."""
        self._expect.setdefault(key, _Expect()).gone[meta.key_of(obj)] = meta.uid(obj)

    def fresh(self, key: str) -> bool:
        e = self._expect.get(key)
        if e is None:
            return True
        if not self._informer.resource_version:
            return False  # nothing listed yet
        seen = revision(self._informer.resource_version)
        if seen is not None and seen < e.revision:
            return False
        e.gone = {k: uid for k, uid in e.gone.items() if self._alive(k, uid)}
        if e.gone:
            return False
        del self._expect[key]
        return True

    def _alive(self, cache_key: str, uid: str) -> bool:
        obj = self._informer.get(cache_key)
        return obj is not None and meta.uid(obj) == uid and not meta.is_terminating(obj)

    def forget(self, key: str) -> None:
        self._expect.pop(key, None)

