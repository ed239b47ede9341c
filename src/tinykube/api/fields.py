"""Field selectors (STUB: filled in by the api owner)."""

from __future__ import annotations

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj


class FieldSelector:
    """A parsed field selector: ``=``, ``==`` and ``!=`` requirements, all ANDed."""

    def matches(self, obj: Obj) -> bool:
        return True

    def empty(self) -> bool:
        return True


def parse(kind: Kind, text: str) -> FieldSelector:
    """Parse a field selector for ``kind``; unsupported fields raise ``BadRequest``."""
    return FieldSelector()
