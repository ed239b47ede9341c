"""The vocabulary the schema of every kind is written in.

A schema is a tree of nodes: ``Scalar`` leaves, ``Struct`` objects with known fields,
``MapOf`` maps with free keys, ``ListOf`` lists and ``Open`` subtrees that accept any
content. Lists carry two merge strategies because Kubernetes has two: the strategic
merge patch one (Go ``patchStrategy``/``patchMergeKey`` tags) and the server-side apply
one (``+listType``/``+listMapKey`` markers). They differ: a Service's ports merge on
``port`` in a strategic merge patch but are keyed by ``(port, protocol)`` in apply.

The small constructors at the bottom (``struct``, ``keyed``, ``scalar_set``, ``atomic``)
are what the per-kind modules use, so a schema reads like the Go type it copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

ScalarType = Literal["string", "integer", "boolean", "number", "int-or-string", "quantity"]
SmpStrategy = Literal["replace", "merge"]
SsaListType = Literal["atomic", "set", "map"]


@dataclass(frozen=True)
class Scalar:
    """A JSON scalar; ``quantity`` accepts numbers and strings, like resource.Quantity."""

    type: ScalarType


@dataclass(frozen=True)
class Open:
    """Any content: deep, rarely used structures (affinity, volume sources...).

    Patches merge maps inside it recursively and replace lists; apply owns it as a whole.
    """


@dataclass(frozen=True)
class Struct:
    """An object with known fields.

    ``atomic``: apply owns and replaces it as a whole (``+structType=atomic``).
    ``retain_keys``: the strategic merge patch strategy ``retainKeys`` is declared on it.
    """

    fields: Mapping[str, Node]
    atomic: bool = False
    retain_keys: bool = False


@dataclass(frozen=True)
class MapOf:
    """A map with free string keys; ``atomic`` for ``+mapType=atomic`` (apply)."""

    values: Node
    atomic: bool = False


@dataclass(frozen=True)
class ListOf:
    """A list and how each patch flavour merges it.

    ``smp``/``merge_key``: "replace" (the whole list), or "merge" by ``merge_key`` (lists of
    objects) or as a set (lists of scalars, ``merge_key`` ""). ``retain_keys``: elements
    carry the ``retainKeys`` strategy (volumes). ``ssa``/``keys``: apply's list type, its
    map keys and the defaults of keys a client may leave out (``protocol: TCP``).
    """

    items: Node
    smp: SmpStrategy = "replace"
    merge_key: str = ""
    retain_keys: bool = False
    ssa: SsaListType = "atomic"
    keys: tuple[str, ...] = ()
    key_defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


Node: TypeAlias = Scalar | Open | Struct | MapOf | ListOf

STR = Scalar("string")
TIME = STR  # RFC 3339 timestamps travel as strings
INT = Scalar("integer")
BOOL = Scalar("boolean")
NUM = Scalar("number")
INT_OR_STR = Scalar("int-or-string")
QUANTITY = Scalar("quantity")
OPEN = Open()

STR_MAP = MapOf(STR)
QUANTITY_MAP = MapOf(QUANTITY)


def child(node: Node, key: str) -> Node:
    """The schema of ``key`` in an object or a map; ``OPEN`` for an unknown field or when
    ``node`` has no fields, so that the patch algorithms treat it as free content."""
    if isinstance(node, Struct):
        return node.fields.get(key, OPEN)
    if isinstance(node, MapOf):
        return node.values
    return OPEN


def struct(**fields: Node) -> Struct:
    """``struct(name=STR, port=INT)``: an object with exactly these fields."""
    return Struct(MappingProxyType(dict(fields)))


def atomic_struct(**fields: Node) -> Struct:
    """An object apply owns as a whole (``+structType=atomic``: references, selectors)."""
    return Struct(MappingProxyType(dict(fields)), atomic=True)


def retaining_struct(**fields: Node) -> Struct:
    """An object with the ``retainKeys`` patch strategy (a Deployment's ``strategy``)."""
    return Struct(MappingProxyType(dict(fields)), retain_keys=True)


def extend(base: Struct, **fields: Node) -> Struct:
    """``base`` with more fields (Go's embedded structs, e.g. EphemeralContainer)."""
    merged = MappingProxyType({**base.fields, **fields})
    return Struct(merged, atomic=base.atomic, retain_keys=base.retain_keys)


def atomic(items: Node) -> ListOf:
    """Replaced as a whole by both patch flavours (no Go patch tags, ``+listType=atomic``)."""
    return ListOf(items)


def scalar_set(items: Node = STR) -> ListOf:
    """Scalars merged as a set (``patchStrategy:"merge"``, ``+listType=set``)."""
    return ListOf(items, smp="merge", ssa="set")


def keyed(
    items: Node,
    merge_key: str,
    *,
    keys: tuple[str, ...] = (),
    defaults: Mapping[str, Any] | None = None,
    retain_keys: bool = False,
    ssa: SsaListType = "map",
) -> ListOf:
    """Objects merged by ``merge_key``; apply keys them by ``keys`` (default the merge key)."""
    return ListOf(
        items,
        smp="merge",
        merge_key=merge_key,
        retain_keys=retain_keys,
        ssa=ssa,
        keys=(keys or (merge_key,)) if ssa == "map" else (),
        key_defaults=MappingProxyType(dict(defaults or {})),
    )
