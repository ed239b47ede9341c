"""Server-side apply: merge a manager's applied configuration and track what it owns.

``kubectl apply --server-side`` sends the manifest itself; the applied fields become the
manager's set in ``metadata.managedFields`` (operation ``Apply``). This is a faithful core
of Kubernetes' structured-merge-diff:

- merge: maps and objects merge field by field, lists follow apply's list types (items
  of keyed lists merge by their keys, sets merge by value, atomic lists are replaced), in
  structured-merge-diff's order (the applied order, with the live-only items kept near
  their neighbours);
- conflicts: applying a value that differs from the live one, to a field another manager
  owns, is a 409 Conflict with one ``FieldManagerConflict`` cause per field, worded like
  Kubernetes (``Apply failed with 1 conflict: conflict with "kubectl-create" using
  apps/v1: .spec.replicas``); with ``force`` the fields change hands instead. Setting the
  same value shares ownership;
- removal: a field this manager applied before and leaves out now is removed, unless
  another manager also owns it (or something below it);
- an object with no ``managedFields`` at all is first attributed to the
  ``before-first-apply`` manager, as Kubernetes does.

Simplifications: ``OPEN`` parts of the schema (affinity, security contexts, volume
sources...) are owned and replaced as a whole; a ``null`` in the applied configuration
is dropped instead of being owned; the last-applied-configuration migration helpers of
kubectl (``kubectl-client-side-apply`` to ``kubectl``) are not emulated; for kinds with a
``status`` subresource, ``status`` is ignored by the main resource and everything else
by ``status``.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from tinykube.api import meta, schema
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.api.schema import ListOf, MapOf, Node, Struct, child
from tinykube.errors import BadRequest, Cause, Conflict
from tinykube.wire.patch import managed
from tinykube.wire.patch.fieldset import Path, check_keys, element, fields_of, text
from tinykube.wire.patch.managed import APPLY, UPDATE, Entry


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
    """``live`` (None to create) with ``applied`` merged in for ``manager``."""
    node = schema.root(kind)
    config: Obj = _scope(kind, _without_nulls(_checked(kind, applied, manager)), subresource)
    check_keys(node, config)
    applying = frozenset(managed.owned(kind, fields_of(node, config), subresource))
    base = copy.deepcopy(live) if live is not None else {}
    meta.metadata(base).pop("managedFields", None)
    entries = _entries(kind, live, base, subresource)

    merged: Obj = merge(node, copy.deepcopy(base), config)
    before = managed.object_fields(kind, base, subresource)
    changed = managed.changed_paths(before, managed.object_fields(kind, merged, subresource))
    me = Entry(manager, APPLY, kind.api_version, now or meta.now(), applying, subresource)
    conflicts = [(e, p) for e in entries if not e.same_owner(me) for p in e.fields & changed]
    if conflicts and not force:
        raise _conflict(conflicts)
    entries = managed.take(entries, me, changed)

    previous = managed.find(entries, me)
    others = [e for e in entries if not e.same_owner(me)]
    keep = applying.union(*(e.fields for e in others))
    _prune(node, merged, (previous.fields if previous else frozenset()) - applying, keep)
    if previous is not None and merged == base and previous.fields == applying:
        me = replace(me, time=previous.time)
    managed.store(merged, [*others, me])
    return merged


def _checked(kind: Kind, applied: Any, manager: str) -> Obj:
    if not manager:
        raise BadRequest("fieldManager is required for apply requests")
    if not isinstance(applied, dict):
        raise BadRequest("error decoding patch: the apply configuration must be an object")
    version, applied_kind = applied.get("apiVersion"), applied.get("kind")
    if version != kind.api_version:
        raise BadRequest(
            "Incorrect version specified in apply patch. "
            f"Specified patch version: {version or ''}, expected: {kind.api_version}"
        )
    if applied_kind != kind.kind:
        raise BadRequest(
            "Incorrect kind specified in apply patch. "
            f"Specified patch kind: {applied_kind or ''}, expected: {kind.kind}"
        )
    if (applied.get("metadata") or {}).get("managedFields"):
        raise BadRequest("metadata.managedFields must be nil")
    return applied


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _scope(kind: Kind, config: Obj, subresource: str) -> Obj:
    """The part of the configuration this endpoint applies."""
    if "status" not in kind.subresources:
        return config
    if subresource == "status":
        md = config.get("metadata") or {}
        out: Obj = {k: config[k] for k in ("apiVersion", "kind", "status") if k in config}
        out["metadata"] = {k: md[k] for k in ("name", "namespace") if k in md}
        return out
    return {k: v for k, v in config.items() if k != "status"}


def _entries(kind: Kind, live: Obj | None, base: Obj, subresource: str) -> list[Entry]:
    entries = managed.parse(live)
    if live is None or entries:
        return entries
    fields = frozenset(managed.object_fields(kind, base, subresource))
    time = str(meta.metadata(base).get("creationTimestamp") or meta.now())
    return [Entry(managed.BEFORE_FIRST_APPLY, UPDATE, kind.api_version, time, fields, subresource)]


def _conflict(conflicts: list[tuple[Entry, Path]]) -> Conflict:
    found = sorted((e.describe(), text(p)) for e, p in conflicts)
    causes = [Cause("FieldManagerConflict", where, f"conflict with {who}") for who, where in found]
    if len(found) == 1:
        who, where = found[0]
        return Conflict(
            f"Apply failed with 1 conflict: conflict with {who}: {where}", causes=causes
        )
    lines: list[str] = []
    for who in dict.fromkeys(who for who, _ in found):
        lines.append(f"conflicts with {who}:")
        lines.extend(f"- {where}" for w, where in found if w == who)
    message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return Conflict(message, causes=causes)


# --------------------------------------------------------------------------- merge


def merge(node: Node, live: Any, applied: Any) -> Any:
    """``applied`` merged over ``live`` along ``node``; ``live`` is reused, not copied."""
    if isinstance(applied, dict) and isinstance(live, dict) and _granular_map(node):
        out = dict(live)
        for name, value in applied.items():
            out[name] = (
                merge(child(node, name), live[name], value)
                if name in live
                else (copy.deepcopy(value))
            )
        return out
    if (
        isinstance(applied, list)
        and isinstance(live, list)
        and isinstance(node, ListOf)
        and node.ssa != "atomic"
    ):
        return _merge_items(node, live, applied)
    return copy.deepcopy(applied)


def _granular_map(node: Node) -> bool:
    return isinstance(node, Struct | MapOf) and not node.atomic


def _merge_items(node: ListOf, lhs: list[Any], rhs: list[Any]) -> list[Any]:
    """structured-merge-diff's list merge: applied items in applied order, live-only items
    where they were, shared items merged."""
    lhs_order = [element(node, item) for item in lhs]
    rhs_order = [element(node, item) for item in rhs]
    seen_lhs: dict[str, Any] = {}
    for pe, item in zip(lhs_order, lhs, strict=True):
        seen_lhs.setdefault(pe, item)
    seen_rhs = dict(zip(rhs_order, rhs, strict=True))
    shared = [pe for pe in rhs_order if pe in seen_lhs]
    next_shared = shared.pop(0) if shared else None
    done: set[str] = set()
    out: list[Any] = []

    def take(pe: str) -> None:
        done.add(pe)
        if pe in seen_lhs:
            out.append(merge(node.items, seen_lhs[pe], seen_rhs[pe]))
        else:
            out.append(copy.deepcopy(seen_rhs[pe]))

    li = ri = 0
    while li < len(lhs_order) or ri < len(rhs_order):
        if li < len(lhs_order) and ri < len(rhs_order):
            pe = lhs_order[li]
            if pe == rhs_order[ri]:
                take(pe)
                li, ri = li + 1, ri + 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in seen_rhs and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lhs_order):
            pe = lhs_order[li]
            if pe not in seen_rhs:
                out.append(lhs[li])
                li += 1
                continue
            if pe in done:
                li += 1
                continue
        if ri < len(rhs_order):
            pe = rhs_order[ri]
            take(pe)
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out


# --------------------------------------------------------------------------- removal


def _prune(node: Node, obj: Obj, candidates: frozenset[Path], keep: frozenset[Path]) -> None:
    """Remove each candidate path nobody keeps, nor keeps anything below.

    Shallow paths go first: a list item goes as a whole, before its fields could change
    the keys it is found by."""
    kept = keep | {path[:i] for path in keep for i in range(1, len(path))}
    for path in sorted(candidates, key=len):
        if path not in kept:
            _remove(node, obj, path, kept)


def _remove(node: Node, obj: Obj, path: Path, kept: frozenset[Path]) -> None:
    """Delete ``path`` from ``obj``, then every ancestor it leaves empty (below the top).

    The key fields of a list item that stays are never removed: they name the item."""
    chain: list[tuple[Any, Any]] = []  # (container, key or index) from the top down
    current: Any = obj
    item_keys: tuple[str, ...] = ()  # the keys of the list item ``current`` is, if any
    keys_here: tuple[str, ...] = ()
    for el in path:
        found = _step(node, current, el)
        if found is None:
            return
        keys_here = item_keys
        item_keys = node.keys if isinstance(node, ListOf) and el.startswith("k:") else ()
        key, below = found
        chain.append((current, key))
        current, node = current[key], below
    container, key = chain[-1]
    if key in keys_here:
        return
    del container[key]
    for depth in range(len(chain) - 2, 0, -1):  # top-level fields (spec...) stay, even empty
        container, key = chain[depth]
        if container[key] or path[: depth + 1] in kept:
            return
        del container[key]


def _step(node: Node, current: Any, el: str) -> tuple[Any, Node] | None:
    """The key (or index) of ``el`` in ``current`` and the schema below it."""
    kind, _, rest = el.partition(":")
    if kind == "f" and isinstance(current, dict) and rest in current:
        return rest, child(node, rest)
    if kind in ("k", "v") and isinstance(current, list) and isinstance(node, ListOf):
        for i, item in enumerate(current):
            if element(node, item) == el:
                return i, node.items
    return None
