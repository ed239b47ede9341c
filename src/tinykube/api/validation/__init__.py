"""Kubernetes validation for every kind tinykube serves (STUB: filled in by the api owner).

Each function returns every problem found as a ``Cause`` (field path + Kubernetes
message), never stopping at the first; an empty list means valid.
"""

from __future__ import annotations

from tinykube.api.meta import Obj
from tinykube.errors import Cause


def validate(obj: Obj) -> list[Cause]:
    """Problems with a new object (after defaulting)."""
    return []


def validate_update(new: Obj, old: Obj) -> list[Cause]:
    """Problems with ``new`` as an update of ``old`` (includes ``validate(new)``)."""
    return validate(new)


def warnings(obj: Obj) -> list[str]:
    """Texts for ``Warning: 299`` headers (deprecated or ignored fields)."""
    return []
