"""Patches: JSON merge patch, JSON patch, strategic merge patch, server-side apply.

Pure functions over JSON data; the API server picks one by Content-Type. Each returns a
new object that shares nothing with its inputs and never changes them. Bad patches raise
``BadRequest`` (or ``Invalid``/``Conflict`` where Kubernetes does). One module per
algorithm: ``merge`` (RFC 7386), ``jsonpatch`` (RFC 6902), ``strategic`` (with ``order``
for the order of merged lists), ``apply`` (with ``fieldset`` and ``managed`` for the
``metadata.managedFields`` bookkeeping).
"""

from __future__ import annotations

from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.wire.patch import jsonpatch, merge, strategic


def merge_patch(target: Obj, patch: Any) -> Obj:
    """RFC 7386 JSON merge patch (``application/merge-patch+json``)."""
    return merge.merge_patch(target, patch)


def json_patch(target: Obj, ops: Any) -> Obj:
    """RFC 6902 JSON patch (``application/json-patch+json``)."""
    return jsonpatch.json_patch(target, ops)


def strategic_merge_patch(kind: Kind, target: Obj, patch: Any) -> Obj:
    """Kubernetes strategic merge patch (``application/strategic-merge-patch+json``)."""
    return strategic.strategic_merge_patch(kind, target, patch)


def server_side_apply(kind: Kind, live: Obj | None, applied: Obj, manager: str, force: bool) -> Obj:
    """Server-side apply (``application/apply-patch+yaml``); ``live`` None means create."""
    raise NotImplementedError
