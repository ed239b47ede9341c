"""Copies and comparisons of stored objects, on the write path's hot loop.

A JSON round trip through orjson copies a Kubernetes object several times faster than
``copy.deepcopy`` (objects are plain JSON: dicts, lists, strings, numbers, bools, None).
``same`` is how an update that changes nothing is recognised and skipped, as Kubernetes
skips it: no new resourceVersion, no watch event.
"""

from __future__ import annotations

from typing import Any

import orjson

from tinykube.api.meta import Obj


def clone(obj: Obj) -> Obj:
    out: Obj = orjson.loads(orjson.dumps(obj))
    return out


def same(a: Obj, b: Obj) -> bool:
    """True when ``a`` and ``b`` differ at most in ``metadata.resourceVersion``."""
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        if key == "metadata":
            if _without_rv(value) != _without_rv(b[key]):
                return False
        elif value != b[key]:
            return False
    return True


def _without_rv(md: Any) -> Any:
    if isinstance(md, dict) and "resourceVersion" in md:
        return {k: v for k, v in md.items() if k != "resourceVersion"}
    return md
