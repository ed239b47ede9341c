"""Which objects a controller owns: adopt matching orphans, release what no longer matches.

``ControllerRefManager`` in Kubernetes: an object belongs to the owner named by its
controller reference. An orphan (no controller reference) whose labels match the owner's
selector is adopted; an owned object whose labels no longer match is released (its
reference removed), and the owner makes a replacement. Objects being deleted are neither
adopted nor released, and an owner being deleted adopts nothing. Pure: the shell writes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

from tinykube.api import meta
from tinykube.api.labels import Selector
from tinykube.api.meta import Obj


@dataclass
class Claim:
    owned: list[Obj] = field(default_factory=list)
    adopt: list[Obj] = field(default_factory=list)
    release: list[Obj] = field(default_factory=list)


def claim(owner: Obj, selector: Selector, candidates: Iterable[Obj]) -> Claim:
    out = Claim()
    owner_uid = meta.uid(owner)
    for obj in candidates:
        ref = meta.controller_of(obj)
        matches = selector.matches(meta.labels(obj))
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches:
                out.owned.append(obj)
            elif not meta.is_terminating(obj) and not meta.is_terminating(owner):
                out.release.append(obj)
        elif matches and not meta.is_terminating(obj) and not meta.is_terminating(owner):
            out.adopt.append(obj)
    return out


def adopted(obj: Obj, owner: Obj) -> Obj:
    """A copy of ``obj`` with ``owner`` as its controller."""
    out = copy.deepcopy(obj)
    refs = [r for r in meta.owner_references(out) if r.get("uid") != meta.uid(owner)]
    refs.append(meta.owner_reference(owner))
    meta.metadata(out)["ownerReferences"] = refs
    return out


def released(obj: Obj, owner: Obj) -> Obj:
    """A copy of ``obj`` without its reference to ``owner``."""
    out = copy.deepcopy(obj)
    refs = [r for r in meta.owner_references(out) if r.get("uid") != meta.uid(owner)]
    md = meta.metadata(out)
    if refs:
        md["ownerReferences"] = refs
    else:
        md.pop("ownerReferences", None)
    return out
