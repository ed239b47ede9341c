"""Walking an object along its schema: unknown fields, pruning, wrong JSON types.

Paths are written the way Kubernetes' strict decoder writes them in
``strict decoding error: unknown field "spec.ports[0].prot"``: dotted field names, list
indexes in brackets, map keys in brackets. Values of the wrong JSON type are reported by
``type_errors`` and otherwise skipped, so one bad value never hides other findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tinykube.api.schema.nodes import ListOf, MapOf, Node, Open, Scalar, ScalarType, Struct


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _children(node: Node, value: Any, path: str) -> Iterator[tuple[Node, Any, str]]:
    """Each (schema, value, path) one level below ``value``; nothing for wrong types."""
    if isinstance(node, Struct) and isinstance(value, dict):
        for name, child in value.items():
            sub = node.fields.get(name)
            if sub is not None:
                yield sub, child, join(path, name)
    elif isinstance(node, MapOf) and isinstance(value, dict):
        for key, child in value.items():
            yield node.values, child, f"{path}[{key}]"
    elif isinstance(node, ListOf) and isinstance(value, list):
        for i, child in enumerate(value):
            yield node.items, child, f"{path}[{i}]"


def unknown_fields(node: Node, value: Any, path: str = "") -> list[str]:
    """Paths of every field ``value`` has that ``node`` does not know, in document order."""
    out: list[str] = []
    if isinstance(node, Struct) and isinstance(value, dict):
        out.extend(join(path, name) for name in value if name not in node.fields)
    for sub, child, sub_path in _children(node, value, path):
        out.extend(unknown_fields(sub, child, sub_path))
    return out


def prune(node: Node, value: Any) -> None:
    """Delete every unknown field of ``value`` in place."""
    if isinstance(node, Struct) and isinstance(value, dict):
        for name in [n for n in value if n not in node.fields]:
            del value[name]
    for sub, child, _ in _children(node, value, ""):
        prune(sub, child)


_JSON_NAMES: dict[type, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "bool",
    list: "array",
    dict: "object",
}

_SCALAR_CHECKS: dict[ScalarType, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "number": (int, float),
    "int-or-string": (int, str),
    "quantity": (int, float, str),
}


def _expected(node: Node) -> str:
    if isinstance(node, Scalar):
        return node.type
    if isinstance(node, ListOf):
        return "array"
    if isinstance(node, MapOf):
        return "map"
    return "object"


def _type_ok(node: Node, value: Any) -> bool:
    if value is None or isinstance(node, Open):
        return True
    if isinstance(node, Scalar):
        allowed = _SCALAR_CHECKS[node.type]
        if isinstance(value, bool):
            return bool in allowed
        return isinstance(value, allowed)
    if isinstance(node, ListOf):
        return isinstance(value, list)
    return isinstance(value, dict)


def type_errors(node: Node, value: Any, path: str = "") -> list[str]:
    """Every value whose JSON type does not fit its field, worded like Go's decoder."""
    if not _type_ok(node, value):
        got = _JSON_NAMES.get(type(value), type(value).__name__)
        where = path or "the object"
        want = _expected(node)
        return [f"json: cannot unmarshal {got} into Go struct field {where} of type {want}"]
    out: list[str] = []
    for sub, child, sub_path in _children(node, value, path):
        out.extend(type_errors(sub, child, sub_path))
    return out


def node_at(node: Node, path: tuple[str, ...]) -> Node | None:
    """The schema of the field at ``path``: field names and map keys, no list indexes
    (lists are stepped into). ``Open`` answers for everything below it; None if unknown."""
    for name in path:
        while isinstance(node, ListOf):
            node = node.items
        if isinstance(node, Open):
            return node
        if isinstance(node, MapOf):
            node = node.values  # ``name`` is a key of the map
        elif isinstance(node, Struct) and name in node.fields:
            node = node.fields[name]
        else:
            return None
    return node
