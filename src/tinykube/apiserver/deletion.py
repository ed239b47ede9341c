"""What a DELETE does to one object: remove it now, mark it terminating, or nothing.

Kubernetes deletes in two steps whenever something must happen first:

- finalizers: the object gets ``deletionTimestamp`` (and ``deletionGracePeriodSeconds:
  0``) and stays until an update removes the last finalizer;
- ``propagationPolicy``: Foreground adds the ``foregroundDeletion`` finalizer and Orphan
  the ``orphan`` finalizer (the garbage collector removes them once the dependents are
  deleted or released); Background, or none, removes at once and lets the collector
  delete dependents afterwards;
- graceful pods: a pod bound to a node gets ``deletionTimestamp = now + grace`` and
  ``deletionGracePeriodSeconds = grace``; the node agent stops it and deletes it again
  with grace 0; a second delete may only shorten the grace period;
- Namespaces: the first delete marks them ``Terminating``; they go once ``spec.finalizers``
  (the namespace controller's ``kubernetes``) and ``metadata.finalizers`` are empty.

``plan`` is pure: the registry checks preconditions, runs the plan and retries on
conflicts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tinykube.api.kinds import NAMESPACE
from tinykube.api.meta import Obj, metadata
from tinykube.errors import Conflict

from . import failures
from .options import DeleteOptions
from .strategy import Strategy, deletion_stamp, finalizers

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"

Action = Literal["remove", "mark", "keep"]


@dataclass(frozen=True)
class Plan:
    action: Action
    obj: Obj  # the object to store (mark), or the current one (remove, keep)


def check_preconditions(st: Strategy, obj: Obj, opts: DeleteOptions) -> None:
    md = obj.get("metadata") or {}
    name = str(md.get("name") or "")
    if opts.uid is not None and opts.uid != md.get("uid"):
        raise _precondition(st, name, "UID", opts.uid, str(md.get("uid") or ""))
    rv = str(md.get("resourceVersion") or "")
    if opts.resource_version is not None and opts.resource_version != rv:
        raise _precondition(st, name, "ResourceVersion", opts.resource_version, rv)


def plan(st: Strategy, obj: Obj, opts: DeleteOptions, now: datetime | None = None) -> Plan:
    if st.kind is NAMESPACE:
        return _plan_namespace(obj, opts, now)
    md = obj.get("metadata") or {}
    fins = propagation_finalizers(finalizers(obj), opts)
    grace = st.grace_period(obj, opts.grace_period)
    if md.get("deletionTimestamp"):
        return _plan_again(st, obj, fins, grace, now)
    if grace == 0 and not fins:
        return Plan("remove", obj)
    return Plan("mark", _marked(obj, fins, grace, now))


def propagation_finalizers(current: list[str], opts: DeleteOptions) -> list[str]:
    """The finalizers after the delete's propagation policy has had its say."""
    if opts.propagation is None:
        return current
    out = [f for f in current if f not in (ORPHAN, FOREGROUND)]
    if opts.propagation == "Orphan":
        out.append(ORPHAN)
    elif opts.propagation == "Foreground":
        out.append(FOREGROUND)
    return out


def _plan_again(st: Strategy, obj: Obj, fins: list[str], grace: int, now: datetime | None) -> Plan:
    """A delete of an object already terminating: shorten a grace period, update finalizers."""
    md = obj.get("metadata") or {}
    current = md.get("deletionGracePeriodSeconds")
    shorter = isinstance(current, int) and grace < current
    if shorter and grace == 0 and not fins:
        return Plan("remove", obj)
    if not shorter and fins == finalizers(obj):
        return Plan("keep", obj)
    new = copy.deepcopy(obj)
    nmd = metadata(new)
    _set_finalizers(nmd, fins)
    if shorter:
        nmd["deletionTimestamp"] = deletion_stamp(grace, now)
        nmd["deletionGracePeriodSeconds"] = grace
    if st.should_delete_on_update(new):
        return Plan("remove", obj)
    return Plan("mark", new)


def _plan_namespace(obj: Obj, opts: DeleteOptions, now: datetime | None) -> Plan:
    md = obj.get("metadata") or {}
    spec_fins = (obj.get("spec") or {}).get("finalizers") or []
    if md.get("deletionTimestamp"):
        if not spec_fins and not md.get("finalizers"):
            return Plan("remove", obj)
        return Plan("keep", obj)
    fins = propagation_finalizers(finalizers(obj), opts)
    if not spec_fins and not fins:
        return Plan("remove", obj)
    new = _marked(obj, fins, 0, now)
    status = new.get("status")
    new["status"] = {**(status if isinstance(status, dict) else {}), "phase": "Terminating"}
    return Plan("mark", new)


def _marked(obj: Obj, fins: list[str], grace: int, now: datetime | None) -> Obj:
    new = copy.deepcopy(obj)
    md = metadata(new)
    md["deletionTimestamp"] = deletion_stamp(grace, now)
    md["deletionGracePeriodSeconds"] = grace
    _set_finalizers(md, fins)
    return new


def _set_finalizers(md: dict[str, object], fins: list[str]) -> None:
    if fins:
        md["finalizers"] = fins
    else:
        md.pop("finalizers", None)


def _precondition(st: Strategy, name: str, what: str, want: str, have: str) -> Conflict:
    return failures.conflict(
        st.kind, name,
        f"Precondition failed: {what} in precondition: {want}, {what} in object meta: {have}",
    )
