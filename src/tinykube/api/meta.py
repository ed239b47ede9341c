"""Objects as plain JSON data, and the metadata every object shares.

tinykube keeps Kubernetes objects as the JSON they are on the wire (``Obj``): the API
server stores what it receives after defaulting and validation, and clients read the
fields they need. Components that need speed or types (proxy, dns) turn objects into
frozen dataclasses of their own at their informer boundary.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, NewType

Obj = dict[str, Any]
Uid = NewType("Uid", str)


def metadata(obj: Obj) -> dict[str, Any]:
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = {}
        obj["metadata"] = md
    return md


def name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def namespace(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def uid(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def labels(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def annotations_of(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def resource_version(obj: Obj) -> int:
    """The object's ``resourceVersion`` as a number (0 when absent or not a number)."""
    rv = (obj.get("metadata") or {}).get("resourceVersion") or ""
    try:
        return int(rv)
    except (TypeError, ValueError):
        return 0


def owner_references(obj: Obj) -> list[dict[str, Any]]:
    return list((obj.get("metadata") or {}).get("ownerReferences") or [])


def controller_of(obj: Obj) -> dict[str, Any] | None:
    """The owner reference with ``controller: true``, if any."""
    for ref in owner_references(obj):
        if ref.get("controller"):
            return ref
    return None


def is_terminating(obj: Obj) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def key_of(obj: Obj) -> str:
    """``namespace/name`` (or ``name`` for cluster-scoped objects): the informer key."""
    ns, n = namespace(obj), name(obj)
    return f"{ns}/{n}" if ns else n


def new_uid() -> str:
    return str(uuid.uuid4())


def now() -> str:
    """The current time as Kubernetes writes timestamps: RFC 3339, UTC, seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro() -> str:
    """RFC 3339 with microseconds (``MicroTime``, used by Events and Leases)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str) -> datetime:
    """Parse an RFC 3339 timestamp written by ``now`` or ``now_micro``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def owner_reference(owner: Obj, *, controller: bool = True, block: bool = True) -> dict[str, Any]:
    """An ownerReference pointing at ``owner``."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name(owner),
        "uid": uid(owner),
        "controller": controller,
        "blockOwnerDeletion": block,
    }
