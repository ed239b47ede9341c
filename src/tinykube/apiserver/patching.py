"""Picks the patch function a PATCH's Content-Type names and checks what it returns.

The patch algorithms themselves live in ``wire.patch``; this module only dispatches and
makes sure the result is still one JSON object (a JSON patch may replace the root).
Server-side apply needs a field manager: Kubernetes answers 400 without one.
"""

from __future__ import annotations

from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest
from tinykube.wire import patch as patches

from .negotiation import PatchType
from .options import WriteOptions


def check_apply(opts: WriteOptions) -> str:
    """The field manager of an apply patch (required)."""
    if not opts.field_manager:
        raise BadRequest(
            "PATCH, application/apply-patch+yaml requires fieldManager to be set"
        )
    return opts.field_manager


def apply(kind: Kind, ptype: PatchType, target: Obj, body: Any, opts: WriteOptions) -> Obj:
    """``target`` patched with ``body``; inputs are left unchanged."""
    if ptype == "merge":
        out = patches.merge_patch(target, body)
    elif ptype == "json":
        out = patches.json_patch(target, body)
    elif ptype == "strategic":
        out = patches.strategic_merge_patch(kind, target, body)
    else:
        out = patches.server_side_apply(kind, target, body, check_apply(opts), opts.force)
    if not isinstance(out, dict):
        raise BadRequest("the patch must leave a JSON object")
    return out


def apply_create(kind: Kind, applied: Obj, opts: WriteOptions) -> Obj:
    """The object a server-side apply creates when nothing is there yet."""
    out = patches.server_side_apply(kind, None, applied, check_apply(opts), opts.force)
    if not isinstance(out, dict):
        raise BadRequest("the patch must leave a JSON object")
    return out


def apply_generic(ptype: PatchType, target: Obj, body: Any) -> Obj:
    """A patch of a view with no lists (a Scale): strategic and apply merge like merge."""
    out = patches.json_patch(target, body) if ptype == "json" else patches.merge_patch(target, body)
    if not isinstance(out, dict):
        raise BadRequest("the patch must leave a JSON object")
    return out
