"""Patches: JSON merge patch, JSON patch, strategic merge patch, server-side apply (STUB).

Pure functions over JSON data; the API server picks one by Content-Type. Each returns a
new object and never changes its inputs. Bad patches raise ``BadRequest`` (or
``Invalid``/``Conflict`` where Kubernetes does).
"""

from __future__ import annotations

from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj


def merge_patch(target: Obj, patch: Any) -> Obj:
    """RFC 7386 JSON merge patch (``application/merge-patch+json``)."""
    raise NotImplementedError


def json_patch(target: Obj, ops: Any) -> Obj:
    """RFC 6902 JSON patch (``application/json-patch+json``)."""
    raise NotImplementedError


def strategic_merge_patch(kind: Kind, target: Obj, patch: Any) -> Obj:
    """Kubernetes strategic merge patch (``application/strategic-merge-patch+json``)."""
    raise NotImplementedError


def server_side_apply(kind: Kind, live: Obj | None, applied: Obj, manager: str, force: bool) -> Obj:
    """Server-side apply (``application/apply-patch+yaml``); ``live`` None means create."""
    raise NotImplementedError
