"""The fewest slice writes that make a Service's slices hold the desired endpoints.

The upstream reconciler's approach (``endpointslice/reconciler.go``), per address type and
per resolved port list:

1. each existing slice keeps the endpoints still desired (taking their new version); a
   slice that lost or changed endpoints, or whose labels are stale, is updated, one left
   empty is deleted, an untouched one stays as it is;
2. endpoints still to place fill the slices already being updated, fullest first;
3. what remains goes, when it fits, into the untouched slice it fills most exactly,
   otherwise into new slices of at most ``max_per_slice``.

Slices of port lists or address types no longer wanted, or not owned by the Service, are
deleted; a create paired with a delete becomes an update of the slice that would go. A
Service with no endpoints keeps exactly one empty placeholder slice per address type.
Slices are never rebalanced. Pure: slices in, ``Plan`` out; nothing given is modified.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules as rules
from tinykube.controllers.endpointslice import build
from tinykube.controllers.endpointslice.build import EndpointKey, Group, PortKey

MAX_ENDPOINTS_PER_SLICE = 100


@dataclass
class Plan:
    create: list[Obj] = field(default_factory=list)
    update: list[Obj] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)

    def extend(self, other: Plan) -> None:
        self.create += other.create
        self.update += other.update
        self.delete += other.delete


def plan_service(svc: Obj, pods: Iterable[Obj], existing: Iterable[Obj],
                 max_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> Plan:
    """What to write so the Service's managed slices (``existing``) match its pods."""
    pods = list(pods)
    families = rules.families(svc)
    by_type: dict[str, list[Obj]] = {f: [] for f in families}
    out = Plan()
    for eps in existing:
        kind = str(eps.get("addressType") or "")
        if kind in by_type:
            by_type[kind].append(eps)
        else:
            out.delete.append(eps)
    for family in families:
        groups = build.desired_groups(svc, pods, family)
        out.extend(plan_address_type(svc, family, groups, by_type[family], max_per_slice))
    return out


def plan_address_type(svc: Obj, address_type: str, groups: dict[PortKey, Group],
                      existing: list[Obj], max_per_slice: int) -> Plan:
    out = Plan()
    by_ports: dict[PortKey, list[Obj]] = {}
    for eps in existing:
        if build.owned_by(eps, svc):
            by_ports.setdefault(build.port_key(eps.get("ports") or []), []).append(eps)
        else:
            out.delete.append(eps)
    for key, group in sorted(groups.items()):
        out.extend(_plan_ports(svc, address_type, group, by_ports.get(key, []),
                               max_per_slice))
    for key, slices in sorted(by_ports.items()):
        if key not in groups:
            out.delete += slices
    if len(out.delete) == len(existing) and not out.create:
        placeholder = build.new_slice(svc, [], address_type)
        if len(out.delete) == 1 and _is_placeholder(out.delete[0], placeholder, svc):
            out.delete = []
        else:
            out.create.append(placeholder)
    return _recycle(out, svc)


def _is_placeholder(eps: Obj, placeholder: Obj, svc: Obj) -> bool:
    return (not eps.get("endpoints") and not eps.get("ports")
            and eps.get("addressType") == placeholder["addressType"]
            and meta.labels(eps) == meta.labels(placeholder) and build.owned_by(eps, svc))


def _plan_ports(svc: Obj, address_type: str, group: Group, existing: list[Obj],
                max_per_slice: int) -> Plan:
    desired = dict(sorted(group.endpoints.items()))
    labels = build.slice_labels(svc)
    updated: dict[str, Obj] = {}
    unchanged: dict[str, Obj] = {}
    out = Plan()
    for eps in existing:
        kept, changed = _keep_desired(eps, desired)
        if changed or len(kept) != len(eps.get("endpoints") or []):
            if not kept:
                out.delete.append(eps)
                continue
            new = _with(eps, kept, labels)
            updated[meta.name(new)] = new
        elif meta.labels(eps) != labels:
            updated[meta.name(eps)] = _with(eps, kept, labels)
        else:
            unchanged[meta.name(eps)] = eps
    todo = list(desired.values())
    for new in sorted(updated.values(), key=lambda s: -len(s["endpoints"])):
        room = max_per_slice - len(new["endpoints"])
        if room > 0 and todo:
            new["endpoints"] += todo[:room]
            todo = todo[room:]
    while todo:
        target = None
        if len(todo) < max_per_slice and unchanged:
            target = _slice_to_fill(list(unchanged.values()), len(todo), max_per_slice)
        if target is None:
            target = build.new_slice(svc, group.ports, address_type)
        else:
            del unchanged[meta.name(target)]
            target = _with(target, list(target.get("endpoints") or []), labels)
        room = max_per_slice - len(target["endpoints"])
        target["endpoints"] += todo[:room]
        todo = todo[room:]
        if meta.name(target):
            updated[meta.name(target)] = target
        else:
            out.create.append(target)
    out.update += updated.values()
    return out


def _keep_desired(eps: Obj, desired: dict[EndpointKey, dict[str, Any]],
                  ) -> tuple[list[dict[str, Any]], bool]:
    """The slice's endpoints that are still desired (newest version), taken out of
    ``desired``; and whether any of them changed."""
    kept, changed = [], False
    for ep in eps.get("endpoints") or []:
        want = desired.pop(build.endpoint_key(ep), None)
        if want is not None:
            kept.append(want)
            changed = changed or want != ep
    return kept, changed


def _with(eps: Obj, endpoints: list[dict[str, Any]], labels: dict[str, str]) -> Obj:
    new = copy.deepcopy(eps)
    new["endpoints"] = endpoints
    meta.metadata(new)["labels"] = dict(labels)
    return new


def _slice_to_fill(slices: list[Obj], count: int, max_per_slice: int) -> Obj | None:
    """The slice that ``count`` more endpoints fill most exactly (``getSliceToFill``)."""
    best, best_gap = None, max_per_slice
    for eps in slices:
        gap = max_per_slice - (count + len(eps.get("endpoints") or []))
        if 0 <= gap < best_gap:
            best, best_gap = eps, gap
            if gap == 0:
                break
    return best


def _recycle(plan: Plan, svc: Obj) -> Plan:
    """Turn (create, delete) pairs into updates of the slice that would be deleted."""
    i = 0
    while i < len(plan.delete) and plan.create:
        old = plan.delete[i]
        new = plan.create[-1]
        if old.get("addressType") == new["addressType"] and build.owned_by(old, svc):
            plan.create.pop()
            plan.delete.pop(i)
            recycled = copy.deepcopy(old)
            md = meta.metadata(recycled)
            md["labels"] = new["metadata"]["labels"]
            md["ownerReferences"] = new["metadata"]["ownerReferences"]
            recycled["endpoints"], recycled["ports"] = new["endpoints"], new["ports"]
            plan.update.append(recycled)
        else:
            i += 1
    return plan
