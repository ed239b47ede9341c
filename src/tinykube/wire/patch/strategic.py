"""Strategic merge patch: what client-side ``kubectl apply``, ``set image`` and ``edit`` send.

A JSON merge patch that knows the schema (``tinykube.api.schema``). Maps merge key by
key and ``null`` deletes; a list whose Go field is tagged ``patchStrategy:"merge"``
merges element by element on its merge key (objects) or as a set (scalars); any other
list is replaced. Directives steer it:

- ``$patch: replace`` (a map or a list element) replaces instead of merging,
  ``$patch: delete`` empties a map or deletes the list element with that merge key;
- ``$retainKeys: [...]`` drops every key of the map not listed;
- ``$setElementOrder/<list>: [...]`` gives the order of the merged list;
- ``$deleteFromPrimitiveList/<list>: [...]`` removes those scalars from a set list.

This follows apimachinery's ``strategicpatch.StrategicMergeMapPatch`` as the API server
runs it (server-side options: parallel lists are merged, unmatched nulls are dropped),
including its ordering of merged lists (``order.py``). Where Go would let a directive or a
null through into a new subtree (it relies on decoding into typed structs to drop them),
tinykube processes new subtrees the same way as merged ones, so no directive and no null
ever reaches the result. Also deliberate:

- ``$patch: merge`` is accepted as the default it names (Go rejects it);
- errors Go reports as plain errors (500) are 400 BadRequest here (a missing merge key,
  an unknown directive value, an order list that does not match); lists of lists are 422
  like in Kubernetes.
"""

from __future__ import annotations

import copy
from typing import Any

from tinykube.api import schema
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.api.schema import ListOf, Node, Open, child
from tinykube.errors import BadRequest, Invalid
from tinykube.wire.patch import order
from tinykube.wire.patch.jsonpatch import json_equal

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ELEMENT_ORDER = "$setElementOrder"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"

_OPEN = Open()


def strategic_merge_patch(kind: Kind, target: Obj, patch: Any) -> Obj:
    """A copy of ``target`` with ``patch`` merged in along ``kind``'s schema."""
    if not isinstance(patch, dict):
        raise BadRequest("invalid JSON document")
    return merge_map(copy.deepcopy(target), copy.deepcopy(patch), schema.root(kind))


# --------------------------------------------------------------------------- maps


def merge_map(original: dict[str, Any], patch: dict[str, Any], node: Node) -> dict[str, Any]:
    """Merge ``patch`` into ``original``; both are private copies and both are consumed."""
    if DIRECTIVE in patch:
        directive = patch.pop(DIRECTIVE)
        if directive == "replace":
            return merge_map({}, patch, node)
        if directive == "delete":
            return {}
        if directive != "merge":
            raise BadRequest(f"unknown patch type: {directive} in map: {patch}")
    _retain_keys(original, patch)
    _set_element_orders(original, patch, node)
    for key, value in patch.items():
        field, is_delete_list = key, False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            field, is_delete_list = _directive_field(key, DELETE_FROM_PRIMITIVE_LIST), True
        if value is None:
            original.pop(field, None)
            continue
        sub = child(node, field)
        if is_delete_list:
            _delete_from_list(original, field, value)
        elif field not in original or not _same_shape(original[field], value):
            original[field] = fresh(value, sub)
        elif isinstance(value, dict):
            original[field] = merge_map(original[field], value, sub)
        elif isinstance(value, list):
            original[field] = merge_list(original[field], value, sub)
        else:
            original[field] = value
    return original


def _delete_from_list(original: dict[str, Any], field: str, values: Any) -> None:
    """``$deleteFromPrimitiveList/<field>``: drop those values from the list, if any."""
    if not isinstance(values, list):
        raise BadRequest("invalid patch format of primitive list")
    current = original.get(field)
    if isinstance(current, list):
        original[field] = [v for v in current if order.index(values, v, "") < 0]


def fresh(value: Any, node: Node) -> Any:
    """A patch value for a place the original lacks, with its directives and nulls applied."""
    if isinstance(value, dict):
        return merge_map({}, value, node)
    if isinstance(value, list):
        return merge_list([], value, node)
    return value


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if RETAIN_KEYS not in patch:
        return
    keep = patch.pop(RETAIN_KEYS)
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise BadRequest("invalid patch format of retainKeys")
    for key, value in patch.items():
        directive = key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER))
        if value is not None and not directive and key not in keep:
            raise BadRequest("invalid patch format of retainKeys")
    for key in [k for k in original if k not in keep]:
        del original[key]


def _directive_field(key: str, prefix: str) -> str:
    head, _, field = key.partition("/")
    if head != prefix or not field:
        if prefix == SET_ELEMENT_ORDER:
            raise BadRequest("invalid patch format of setElementOrder list")
        raise BadRequest("invalid patch format of primitive list")
    return field


def _same_shape(a: Any, b: Any) -> bool:
    """Go's "same type" test: both maps, both lists, or both not containers."""
    return isinstance(a, dict) == isinstance(b, dict) and isinstance(a, list) == isinstance(b, list)


# --------------------------------------------------------------------------- lists


def _merges(node: Node) -> bool:
    return isinstance(node, ListOf) and node.smp == "merge"


def _items(node: Node) -> Node:
    return node.items if isinstance(node, ListOf) else _OPEN


def _merge_key(node: Node) -> str:
    return node.merge_key if isinstance(node, ListOf) else ""


def merge_list(original: list[Any], patch: list[Any], node: Node) -> list[Any]:
    """Merge a patch list into the original list of a field whose schema is ``node``."""
    return _merge_list(original, patch, node)[0]


def _merge_list(original: list[Any], patch: list[Any], node: Node) -> tuple[list[Any], list[Any]]:
    """The merged list, and ``original`` as Go's caller sees it afterwards (``SharedArray``)."""
    if not _merges(node):
        return [fresh(item, _items(node)) for item in patch], original
    if not original and not patch:
        return original, original
    if not _element_kind(original, patch):
        return _merge_scalars(original, patch), original
    key = _merge_key(node)
    if not key:
        raise BadRequest("cannot merge lists without merge key")
    shared = order.SharedArray(original)
    plain, replace = _special_elements(shared, patch, key)
    if replace:
        return [fresh(item, _items(node)) for item in plain], shared.seen
    before = list(shared.items)
    for item in plain:
        at = order.index(shared.items, item, key)
        if at >= 0:
            shared.set(at, merge_map(shared.items[at], item, _items(node)))
        else:
            shared.append(fresh(item, _items(node)))
    mentioned, server_only = order.partition(shared.items, plain, key)
    return order.normalize(mentioned, server_only, plain, before, key), shared.seen


def _element_kind(*lists: list[Any]) -> bool:
    """True for lists of objects, False for lists of scalars; mixed lists are refused."""
    kinds = {isinstance(v, dict) for items in lists for v in items}
    if any(isinstance(v, list) for items in lists for v in items):
        raise Invalid("lists of lists are not supported")
    if len(kinds) > 1:
        raise BadRequest(f"list element types are not identical: {list(lists)}")
    return kinds == {True}


def _merge_scalars(original: list[Any], patch: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for value in original + patch:
        if order.index(merged, value, "") < 0:
            merged.append(value)
    mentioned, server_only = order.partition(merged, patch, "")
    return order.normalize(mentioned, server_only, patch, original, "")


def _special_elements(
    shared: order.SharedArray, patch: list[Any], key: str
) -> tuple[list[Any], bool]:
    """Apply ``$patch: delete`` elements; return the other elements and whether one of them
    was ``$patch: replace`` (the patch's elements then become the whole list)."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        directive = item.get(DIRECTIVE)
        if DIRECTIVE not in item:
            plain.append(item)
        elif directive == "delete":
            _require_key(item, key)
            while (at := order.index(shared.items, item, key)) >= 0:
                shared.delete(at)
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            plain.append({k: v for k, v in item.items() if k != DIRECTIVE})
        else:
            raise BadRequest(f"unknown patch type: {directive} in map: {item}")
    for item in plain:
        _require_key(item, key)
    return plain, replace


def _require_key(item: Any, key: str) -> None:
    if not isinstance(item, dict) or key not in item:
        raise BadRequest(f"map: {item} does not contain declared merge key: {key}")


# --------------------------------------------------------------------------- $setElementOrder


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], node: Node) -> None:
    """Merge each list named by a ``$setElementOrder/<list>`` and put it in that order."""
    for directive in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        wanted = patch.pop(directive)
        field = _directive_field(directive, SET_ELEMENT_ORDER)
        if not isinstance(wanted, list):
            raise BadRequest("invalid patch format of setElementOrder list")
        sub = child(node, field)
        current, patch_list = original.get(field), patch.get(field)
        if current is None and patch_list is None:
            continue
        for value in (current, patch_list):
            if value is not None and not isinstance(value, list):
                raise BadRequest(f"expected a []interface {{}}, but received a {value!r}")
        if not _merges(sub):
            continue  # replaced lists have no order to set; the loop of merge_map handles them
        key = _merge_key(sub)
        _check_order(patch_list or [], wanted, key)
        if patch_list is None:  # only reordering: Go does not merge (nor deduplicate)
            merged, seen = list(current or []), list(current or [])
        else:
            merged, seen = _merge_list(list(current or []), list(patch_list), sub)
        mentioned, server_only = order.partition(merged, wanted, key)
        original[field] = order.normalize(mentioned, server_only, wanted, seen, key)
        patch.pop(field, None)


def _check_order(patch_list: list[Any], wanted: list[Any], key: str) -> None:
    """The patch's items must appear in ``$setElementOrder`` and in the same order."""
    items = [v for v in patch_list if not (isinstance(v, dict) and DIRECTIVE in v)]
    if not items or not wanted:
        return
    for item in items + wanted if key else ():
        _require_key(item, key)
    p = w = 0
    while p < len(items) and w < len(wanted):
        if json_equal(order.identity(items[p], key), order.identity(wanted[w], key)):
            p += 1
        w += 1
    if p < len(items):
        raise BadRequest(
            f"The order in patch list:\n{patch_list}\n doesn't match "
            f"{SET_ELEMENT_ORDER} list:\n{wanted}\n"
        )
