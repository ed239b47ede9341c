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
from tinykube.wire.patch import apply, jsonpatch, managed, merge, strategic


def merge_patch(target: Obj, patch: Any) -> Obj:
    """RFC 7386 JSON merge patch (``application/merge-patch+json``)."""
    return merge.merge_patch(target, patch)


def json_patch(target: Obj, ops: Any) -> Obj:
    """RFC 6902 JSON patch (``application/json-patch+json``)."""
    return jsonpatch.json_patch(target, ops)


def strategic_merge_patch(kind: Kind, target: Obj, patch: Any) -> Obj:
    """Kubernetes strategic merge patch (``application/strategic-merge-patch+json``)."""
    return strategic.strategic_merge_patch(kind, target, patch)


def server_side_apply(
    kind: Kind,
    live: Obj | None,
    applied: Obj,
    manager: str,
    force: bool,
    *,
    subresource: str = "",
    now: str | None = None,
) -> Obj:
    """Server-side apply (``application/apply-patch+yaml``); ``live`` None means create.

    The result carries the updated ``metadata.managedFields``. Raises ``Conflict`` (409,
    ``FieldManagerConflict`` causes) when ``applied`` changes fields another manager owns
    and ``force`` is false; ``BadRequest`` for a missing manager, a wrong apiVersion or
    kind, ``managedFields`` in ``applied``, or keyed list items without their keys.
    ``subresource`` is "" or "status"; ``now`` overrides the entry time (tests).
    """
    return apply.server_side_apply(
        kind, live, applied, manager, force, subresource=subresource, now=now
    )


def record_update(
    kind: Kind,
    old: Obj | None,
    new: Obj,
    manager: str,
    operation: str = "Update",
    *,
    subresource: str = "",
    now: str | None = None,
) -> Obj:
    """A copy of ``new`` with ``managedFields`` recording that ``manager`` wrote it over
    ``old`` (None on create): for POST, PUT and non-apply PATCH (``kubectl-create``,
    ``kubectl-client-side-apply``, ``kubectl-edit``, controllers...)."""
    return managed.record_update(
        kind, old, new, manager, operation, subresource=subresource, now=now
    )
