"""Owner references, decided: what the garbage collector does with one dependent.

Kubernetes' rules (``garbagecollector.go``, ``attemptToDeleteItem``), as pure functions.
Each owner a dependent names is

    SOLID     it exists and is not being deleted in the foreground
    DANGLING  it is gone (or a different object now has its name)
    WAITING   it is being deleted in the foreground and waits for its dependents

and the dependent is kept when no owner is dangling or waiting; unlinked from the dangling
and waiting owners when at least one owner is solid; otherwise deleted: in the foreground
when an owner is waiting and the dependent has dependents of its own (so the whole subtree
goes before the owner), in the background else.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.machinery.apiclient import Propagation

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


class OwnerState(enum.Enum):
    SOLID = "solid"
    DANGLING = "dangling"
    WAITING = "waiting"


@dataclass(frozen=True)
class Decision:
    action: Literal["keep", "unlink", "delete"]
    propagation: Propagation | None = None
    unlink: frozenset[str] = field(default_factory=frozenset)  # owner uids to drop


def decide(owners: Mapping[str, OwnerState], has_dependents: bool) -> Decision:
    """What to do with a dependent whose owners (by uid) are in these states."""
    solid = [u for u, s in owners.items() if s is OwnerState.SOLID]
    gone = frozenset(u for u, s in owners.items() if s is not OwnerState.SOLID)
    waiting = any(s is OwnerState.WAITING for s in owners.values())
    if not gone:
        return Decision("keep")
    if solid:
        return Decision("unlink", unlink=gone)
    if waiting and has_dependents:
        return Decision("delete", "Foreground")
    return Decision("delete", "Background")


def finalizers(obj: Obj) -> list[str]:
    return [str(f) for f in (obj.get("metadata") or {}).get("finalizers") or []]


def is_foreground_deleting(obj: Obj) -> bool:
    return meta.is_terminating(obj) and FOREGROUND in finalizers(obj)


def reference_to(obj: Obj, owner_uid: str) -> dict[str, Any] | None:
    for ref in meta.owner_references(obj):
        if ref.get("uid") == owner_uid:
            return ref
    return None


def blocks(dependent: Obj, owner_uid: str) -> bool:
    """Whether ``dependent`` holds up the foreground deletion of its owner."""
    ref = reference_to(dependent, owner_uid)
    return bool(ref and ref.get("blockOwnerDeletion"))


def without_owners(obj: Obj, owner_uids: Collection[str]) -> Obj | None:
    """A copy of ``obj`` without the references to ``owner_uids``; None if it has none."""
    refs = meta.owner_references(obj)
    kept = [r for r in refs if r.get("uid") not in owner_uids]
    if len(kept) == len(refs):
        return None
    out = copy.deepcopy(obj)
    md = meta.metadata(out)
    if kept:
        md["ownerReferences"] = kept
    else:
        md.pop("ownerReferences", None)
    return out


def without_finalizer(obj: Obj, name: str) -> Obj | None:
    """A copy of ``obj`` without finalizer ``name``; None if it does not have it."""
    fins = finalizers(obj)
    if name not in fins:
        return None
    out = copy.deepcopy(obj)
    meta.metadata(out)["finalizers"] = [f for f in fins if f != name]
    return out
