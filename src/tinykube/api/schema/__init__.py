"""The shape of each kind: known fields, list merge keys (STUB: filled in by the api owner).

Used for ``fieldValidation`` (unknown fields), for pruning unknown fields, and by the
strategic merge patch to know how each list merges.
"""

from __future__ import annotations

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj


def unknown_fields(obj: Obj) -> list[str]:
    """Paths of fields the kind does not have, e.g. ``spec.bogus``, ``spec.ports[0].prot``."""
    return []


def prune(obj: Obj) -> None:
    """Remove every unknown field from ``obj`` in place."""


def list_merge_key(kind: Kind, path: tuple[str, ...]) -> str | None:
    """The strategic-merge key of the list at ``path`` (e.g. ("spec", "ports") -> "port").

    ``path`` names fields only (no indexes). None means the list is replaced as a whole
    (atomic); "" means a list of scalars merged as a set.
    """
    return None
