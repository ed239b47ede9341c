"""JSON merge patch (RFC 7386): what ``kubectl label``, ``annotate`` and ``scale`` send.

Objects merge key by key, ``null`` deletes a key, everything else (lists included)
replaces. The patch of a Kubernetes object must itself be an object: evanphx/json-patch,
which the API server uses, rejects any other patch as ``Invalid JSON Patch`` (400).
"""

from __future__ import annotations

import copy
from typing import Any

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest


def merge_patch(target: Obj, patch: Any) -> Obj:
    """A copy of ``target`` with ``patch`` merged in; the result shares nothing with either."""
    if not isinstance(patch, dict):
        raise BadRequest("Invalid JSON Patch")
    out = copy.deepcopy(target)
    _merge_into(out, patch)
    return out


def _merge_into(out: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            current = out.get(key)
            if not isinstance(current, dict):
                current = out[key] = {}
            _merge_into(current, value)
        else:
            out[key] = copy.deepcopy(value)
