"""The patch client-side ``apply`` sends: a three-way strategic merge patch.

Like kubectl (``strategicpatch.CreateThreeWayMergePatch``): from the last applied
configuration (``original``), the manifest (``modified``) and the live object
(``current``), the patch is the *deletions* from original to modified (fields the user
removed from the manifest, and only those: fields set by others stay) merged with the
*delta* from current to modified ignoring deletions (everything the manifest says that the
live object does not match yet). Lists and maps follow the kind's schema
(``api.schema``): lists tagged ``patchStrategy:"merge"`` are diffed element by element on
their merge key (``$patch: delete`` for a removed element, ``$setElementOrder/`` for the
order), sets of scalars through ``$deleteFromPrimitiveList/``, maps with ``retainKeys``
(a Deployment's ``strategy``) carry ``$retainKeys``; any other list is replaced whole.
An empty patch (``{}``) means the object is unchanged. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinykube.api import schema
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.api.schema import ListOf, Node, Struct, child
from tinykube.errors import ConfigError

RETAIN_KEYS = "$retainKeys"
SET_ORDER = "$setElementOrder/"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


@dataclass(frozen=True)
class _Options:
    ignore_deletions: bool = False
    ignore_changes: bool = False


_DELETIONS = _Options(ignore_changes=True)
_DELTA = _Options(ignore_deletions=True)


def three_way(kind: Kind, original: Obj | None, modified: Obj, current: Obj) -> Obj:
    """The strategic merge patch that takes ``current`` to ``modified``."""
    root = schema.root(kind)
    deletions = _diff_maps(original or {}, modified, root, _DELETIONS, retain=False)
    delta = _diff_maps(current, modified, root, _DELTA, retain=False)
    return _merge_maps(deletions, delta, root)


# --------------------------------------------------------------------------- diff


def _shape(value: Any) -> str:
    """Go's ``reflect.TypeOf`` for decoded JSON: maps, lists, strings, numbers, bools, nil."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _diff_maps(original: dict[str, Any], modified: dict[str, Any], node: Node,
               opts: _Options, *, retain: bool) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    retained: list[str] = []
    for key, new in modified.items():
        if retain and new is not None:
            retained.append(key)
        if key not in original:
            if not opts.ignore_changes:
                patch[key] = new
            continue
        old = original[key]
        if _shape(old) != _shape(new):
            if not opts.ignore_changes:
                patch[key] = new
        elif isinstance(old, dict):
            sub = child(node, key)
            keep = isinstance(sub, Struct) and sub.retain_keys
            if value := _diff_maps(old, new, sub, opts, retain=keep):
                patch[key] = value
        elif isinstance(old, list):
            _diff_list_field(key, old, new, patch, node=child(node, key), opts=opts)
        elif not opts.ignore_changes and old != new:
            patch[key] = new
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retained and (patch or _has_additional_field(original, modified)):
        patch[RETAIN_KEYS] = sorted(retained)
    return patch


def _has_additional_field(original: dict[str, Any], modified: dict[str, Any]) -> bool:
    return any(v is not None and k not in modified for k, v in original.items())


def _diff_list_field(key: str, old: list[Any], new: list[Any], patch: dict[str, Any], *,
                     node: Node, opts: _Options) -> None:
    if not (isinstance(node, ListOf) and node.smp == "merge"):
        if not opts.ignore_changes and old != new:
            patch[key] = new
        return
    if _element_kind(old, new) == "map":
        adds, order = _diff_lists_of_maps(old, new, node, opts)
        deletes: list[Any] = []
    else:
        adds, deletes, order = _diff_lists_of_scalars(old, new, opts)
    if adds:
        patch[key] = adds
    if deletes:
        patch[DELETE_PRIMITIVE + key] = deletes
    if order:
        patch[SET_ORDER + key] = order


def _element_kind(*lists: list[Any]) -> str:
    values = [v for items in lists for v in items]
    if any(isinstance(v, list) for v in values):
        raise ConfigError("lists of lists are not supported")
    return "map" if any(isinstance(v, dict) for v in values) else "scalar"


def _key_text(value: Any) -> str:
    """How Go compares merge keys and scalars: their ``%v`` text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _merge_key_of(item: Any, key: str) -> Any:
    if not isinstance(item, dict) or key not in item:
        raise ConfigError(f"map: {item} does not contain declared merge key: {key}")
    return item[key]


def _diff_lists_of_maps(old: list[Any], new: list[Any], node: ListOf,
                        opts: _Options) -> tuple[list[Any], list[Any]]:
    key = node.merge_key
    if not key:
        raise ConfigError("cannot merge lists without merge key")
    item_node = node.items
    keep = node.retain_keys
    patch, deletions = [], []
    olds = sorted(old, key=lambda v: _key_text(_merge_key_of(v, key)))
    news = sorted(new, key=lambda v: _key_text(_merge_key_of(v, key)))
    i = j = 0
    while i < len(olds) or j < len(news):
        ok = _key_text(olds[i][key]) if i < len(olds) else None
        nk = _key_text(news[j][key]) if j < len(news) else None
        if ok is not None and nk is not None and ok == nk:
            value = _diff_maps(olds[i], news[j], item_node, opts, retain=keep)
            if value:
                value[key] = news[j][key]
                patch.append(value)
            i, j = i + 1, j + 1
        elif ok is None or (nk is not None and ok > nk):
            if not opts.ignore_changes:
                patch.append(news[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append({"$patch": "delete", key: olds[i][key]})
            i += 1
    ordered = _in_order_of(patch, new, key) + deletions
    same_order = [_key_text(v[key]) for v in old] == [_key_text(v[key]) for v in new]
    changed = not opts.ignore_changes and (bool(ordered) or not same_order)
    removed = not opts.ignore_deletions and bool(ordered)
    order = [{key: v[key]} for v in new] if changed or removed else []
    return ordered, order


def _in_order_of(items: list[Any], order: list[Any], key: str) -> list[Any]:
    """``items`` sorted by where their merge key appears in ``order`` (stable)."""
    positions = {_key_text(v[key]): n for n, v in enumerate(order)}
    return sorted(items, key=lambda v: positions.get(_key_text(v[key]), len(order)))


def _diff_lists_of_scalars(old: list[Any], new: list[Any],
                           opts: _Options) -> tuple[list[Any], list[Any], list[Any]]:
    olds = sorted(old, key=_key_text)
    news = sorted(new, key=_key_text)
    adds: list[Any] = []
    deletes: list[Any] = []
    i = j = 0
    while i < len(olds) or j < len(news):
        ov = _key_text(olds[i]) if i < len(olds) else None
        nv = _key_text(news[j]) if j < len(news) else None
        if ov is not None and ov == nv:
            i, j = i + 1, j + 1
        elif nv is None or (ov is not None and ov < nv):
            if not opts.ignore_deletions and olds[i] not in deletes:
                deletes.append(olds[i])
            i += 1
        else:
            if not opts.ignore_changes:
                adds.append(news[j])
            j += 1
    positions = {_key_text(v): n for n, v in enumerate(new)}
    adds.sort(key=lambda v: positions.get(_key_text(v), len(new)))
    changed = not opts.ignore_changes and old != new
    order = list(new) if (not opts.ignore_deletions and deletes) or changed else []
    return adds, deletes, order


# --------------------------------------------------------------------------- merge


def _merge_maps(first: dict[str, Any], second: dict[str, Any], node: Node) -> dict[str, Any]:
    """Two patches as one (``mergeMap`` without parallel-list merging): the second wins,
    maps and merge lists combine, directives and nulls are kept."""
    out = dict(first)
    for key, value in second.items():
        if key == RETAIN_KEYS or key.startswith(SET_ORDER):
            out.setdefault(key, value)
            continue
        if key not in out or value is None or _shape(out[key]) != _shape(value):
            out[key] = value
            continue
        old = out[key]
        sub = child(node, key)
        if isinstance(old, dict):
            out[key] = _merge_maps(old, value, sub)
        elif isinstance(old, list):
            out[key] = _merge_lists(old, value, sub)
        else:
            out[key] = value
    return out


def _merge_lists(first: list[Any], second: list[Any], node: Node) -> list[Any]:
    if not (isinstance(node, ListOf) and node.smp == "merge"):
        return second
    if _element_kind(first, second) == "scalar":
        return list(dict.fromkeys([*first, *second]))
    key = node.merge_key
    merged: list[Any] = []
    rest = list(first)
    for item in second:
        match = next((x for x in rest if _key_text(x.get(key)) == _key_text(item.get(key))), None)
        if match is None:
            merged.append(item)
        else:
            rest.remove(match)
            merged.append(_merge_maps(match, item, node.items))
    return merged + rest
