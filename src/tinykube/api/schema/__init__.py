"""The shape of each kind: known fields, JSON types, and how patches merge each list.

Used for ``fieldValidation`` (``unknown_fields``), for dropping unknown fields
(``prune``), for rejecting values of the wrong JSON type (``type_errors``), and by the
patch algorithms in ``tinykube.wire.patch`` to know how each list and map merges
(``root``, ``node_at``, ``list_merge_key``, ``retain_keys``).

The schemas are hand-written from the Go types of Kubernetes (``k8s.io/api``), one
module per group of kinds; deep structures tinykube never reads are ``OPEN``. The unit
tests check every schema against the models of the official ``kubernetes`` client, so a
field missing here is a failing test, not a surprise for a user.
"""

from __future__ import annotations

from types import MappingProxyType

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.api.schema import walk
from tinykube.api.schema.apps import DEPLOYMENT, REPLICA_SET, STATEFUL_SET
from tinykube.api.schema.cluster import NAMESPACE, NODE
from tinykube.api.schema.event import EVENT
from tinykube.api.schema.nodes import ListOf, MapOf, Node, Open, Scalar, Struct, child
from tinykube.api.schema.pod import POD
from tinykube.api.schema.service import ENDPOINT_SLICE, ENDPOINTS, SERVICE
from tinykube.errors import NotFound

__all__ = [
    "ListOf",
    "MapOf",
    "Node",
    "Open",
    "Scalar",
    "Struct",
    "child",
    "list_merge_key",
    "node_at",
    "prune",
    "retain_keys",
    "root",
    "type_errors",
    "unknown_fields",
]

_ROOTS: MappingProxyType[str, Struct] = MappingProxyType(
    {
        kinds.NAMESPACE.kind: NAMESPACE,
        kinds.NODE.kind: NODE,
        kinds.POD.kind: POD,
        kinds.SERVICE.kind: SERVICE,
        kinds.ENDPOINTS.kind: ENDPOINTS,
        kinds.EVENT.kind: EVENT,
        kinds.ENDPOINT_SLICE.kind: ENDPOINT_SLICE,
        kinds.DEPLOYMENT.kind: DEPLOYMENT,
        kinds.REPLICA_SET.kind: REPLICA_SET,
        kinds.STATEFUL_SET.kind: STATEFUL_SET,
    }
)


def root(kind: Kind) -> Struct:
    """The schema of a whole object of ``kind``."""
    return _ROOTS[kind.kind]


def _root_of(obj: Obj, kind: Kind | None) -> Struct | None:
    if kind is None:
        try:
            kind = kinds.of(obj)
        except NotFound:
            return None
    return _ROOTS.get(kind.kind)


def unknown_fields(obj: Obj, kind: Kind | None = None) -> list[str]:
    """Paths of fields the kind does not have, e.g. ``spec.bogus``, ``spec.ports[0].prot``.

    The kind comes from ``obj``'s apiVersion and kind unless given; an object of a kind
    tinykube does not serve has no known shape, so nothing is reported for it.
    """
    node = _root_of(obj, kind)
    return walk.unknown_fields(node, obj) if node else []


def prune(obj: Obj, kind: Kind | None = None) -> None:
    """Remove every unknown field from ``obj`` in place."""
    node = _root_of(obj, kind)
    if node:
        walk.prune(node, obj)


def type_errors(obj: Obj, kind: Kind | None = None) -> list[str]:
    """Values of the wrong JSON type, e.g. a string where ``spec.ports`` wants an array.

    Worded like Go's decoder (``json: cannot unmarshal string into Go struct field
    spec.ports of type array``); Kubernetes answers 400 BadRequest for these, prefixed
    with ``Service in version "v1" cannot be handled as a Service:``.
    """
    node = _root_of(obj, kind)
    return walk.type_errors(node, obj) if node else []


def node_at(kind: Kind, path: tuple[str, ...]) -> Node | None:
    """The schema at ``path`` (field names and map keys, no indexes); None if unknown."""
    return walk.node_at(root(kind), path)


def list_merge_key(kind: Kind, path: tuple[str, ...]) -> str | None:
    """The strategic-merge key of the list at ``path`` (e.g. ("spec", "ports") -> "port").

    ``path`` names fields only (no indexes). None means the list is replaced as a whole
    (atomic); "" means a list of scalars merged as a set.
    """
    node = node_at(kind, path)
    if isinstance(node, ListOf) and node.smp == "merge":
        return node.merge_key
    return None


def retain_keys(kind: Kind, path: tuple[str, ...]) -> bool:
    """Whether the object at ``path`` (or each element of the list at ``path``) has the
    ``retainKeys`` patch strategy: ``spec.strategy`` of a Deployment, pod volumes."""
    node = node_at(kind, path)
    return isinstance(node, Struct | ListOf) and node.retain_keys
