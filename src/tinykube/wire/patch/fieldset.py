"""Sets of field paths, as server-side apply tracks ownership in ``managedFields``.

A path is a tuple of elements in the ``fieldsV1`` spelling of structured-merge-diff:
``f:<name>`` for a field or a map key, ``k:{"port":80,"protocol":"TCP"}`` for an item of
a list keyed by its map keys (apply's ``+listType=map``), ``v:"a"`` for a value of a set.
``fields_of`` walks an object along its schema and returns every owned path with its
value; ``to_fields_v1``/``from_fields_v1`` convert a set of paths to and from the nested
``{"f:spec": {"f:ports": {".": {}, ...}}}`` form, where ``"."`` marks a path that is a
member of the set and also has members below it.

What counts as a member follows structured-merge-diff's ``ToFieldSet``: leaves (scalars,
atomic lists, maps and structs, ``OPEN`` subtrees, nulls, empty objects), map entries and
list items; an object field with content is not itself a member. With ``containers`` the
granular maps and lists themselves are members too, which is how an update marks what it
added (``f:labels: {".": {}, ...}``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from tinykube.api.schema import ListOf, MapOf, Node, Open, Struct
from tinykube.errors import BadRequest

Path = tuple[str, ...]

MEMBER = object()  # the value recorded for a member path that is not a leaf

_OPEN = Open()


def field(name: str) -> str:
    return f"f:{name}"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def item_key(node: ListOf, item: Any) -> dict[str, Any] | None:
    """The map keys of ``item`` in an apply-keyed list, defaults filled in; None if one
    is missing."""
    if not isinstance(item, dict):
        return None
    keys: dict[str, Any] = {}
    for name in node.keys:
        value = item.get(name)
        if value is None:
            value = node.key_defaults.get(name)
        if value is None or isinstance(value, dict | list):
            return None
        keys[name] = value
    return keys


def element(node: ListOf, item: Any) -> str:
    """The path element naming ``item`` in its list: ``k:{...}`` or ``v:...``."""
    if node.ssa == "set":
        return "v:" + _json(item)
    keys = item_key(node, item)
    return "k:" + _json(keys if keys is not None else item)


def fields_of(node: Node, value: Any, *, containers: bool = False) -> dict[Path, Any]:
    """Every member path of ``value`` with its value (``MEMBER`` for non-leaves)."""
    out: dict[Path, Any] = {}
    _walk(node, value, (), out, containers)
    return out


def _walk(node: Node, value: Any, path: Path, out: dict[Path, Any], containers: bool) -> None:
    if isinstance(node, Struct) and not node.atomic and isinstance(value, dict):
        if not value and path:
            out[path] = {}
        for name, child in value.items():
            _walk(node.fields.get(name, _OPEN), child, (*path, field(name)), out, containers)
    elif isinstance(node, MapOf) and not node.atomic and isinstance(value, dict):
        if (not value or containers) and path:
            out[path] = {} if not value else MEMBER
        for key, child in value.items():
            sub = (*path, field(key))
            _walk(node.values, child, sub, out, containers)
            out.setdefault(sub, MEMBER)
    elif isinstance(node, ListOf) and node.ssa != "atomic" and isinstance(value, list):
        if containers and value and path:
            out[path] = MEMBER
        for item in value:
            sub = (*path, element(node, item))
            if node.ssa == "set":
                out[sub] = item
            else:
                _walk(node.items, item, sub, out, containers)
                out.setdefault(sub, MEMBER)
    else:
        out[path] = value


def check_keys(node: Node, value: Any, where: str = "") -> None:
    """Refuse an applied object whose keyed lists miss a key or repeat one, as apply does."""
    if isinstance(node, Struct | MapOf) and isinstance(value, dict):
        for name, child in value.items():
            sub = node.fields.get(name, _OPEN) if isinstance(node, Struct) else node.values
            check_keys(sub, child, f"{where}.{name}")
    elif isinstance(node, ListOf) and node.ssa == "map" and isinstance(value, list):
        seen: set[str] = set()
        for i, item in enumerate(value):
            keys = item_key(node, item)
            if keys is None:
                missing = [k for k in node.keys if not isinstance(item, dict) or k not in item]
                raise BadRequest(
                    f"{where}: element {i}: associative list with keys has an element that "
                    f'omits key field "{(missing or node.keys)[0]}" '
                    "(and doesn't have default value)"
                )
            el = element(node, item)
            if el in seen:
                raise BadRequest(f"{where}: duplicate entries for key {text((el,))}")
            seen.add(el)
            check_keys(node.items, item, f"{where}[{i}]")


# --------------------------------------------------------------------------- fieldsV1


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """The nested ``fieldsV1`` form of a set of paths."""
    members = set(paths)
    tree: dict[str, Any] = {}
    for path in members:
        node = tree
        for el in path:
            node = node.setdefault(el, {})
    return _mark(tree, (), members)


def _mark(tree: dict[str, Any], path: Path, members: set[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if path in members and tree:
        out["."] = {}
    for el in sorted(tree):
        out[el] = _mark(tree[el], (*path, el), members)
    return out


def from_fields_v1(tree: Any) -> frozenset[Path]:
    """The set of paths a ``fieldsV1`` object names; malformed parts are ignored."""
    return frozenset(_members(tree, ()))


def _members(tree: Any, path: Path) -> Iterator[Path]:
    if not isinstance(tree, dict):
        return
    for el, sub in tree.items():
        if el == ".":
            if path:
                yield path
        elif isinstance(sub, dict) and not sub:
            yield (*path, el)
        else:
            yield from _members(sub, (*path, el))


def text(path: Path) -> str:
    """A path as Kubernetes prints it in conflicts: ``.spec.ports[port=80,protocol="TCP"]``."""
    out = []
    for el in path:
        kind, _, rest = el.partition(":")
        if kind == "f":
            out.append("." + rest)
        elif kind == "k":
            keys = json.loads(rest)
            if isinstance(keys, dict):
                out.append("[" + ",".join(f"{k}={_json(v)}" for k, v in keys.items()) + "]")
            else:
                out.append(f"[{rest}]")
        elif kind == "v":
            out.append(f"[={rest}]")
        else:
            out.append(f"[{el}]")
    return "".join(out)
