"""Server-side ``Table`` output: what ``kubectl get`` prints.

kubectl 1.32 has no client-side column printers for built-in kinds: it asks for
``as=Table`` and prints the cells it gets back. This package builds that
``meta.k8s.io/v1`` Table with kube-apiserver's exact columns and cells (one module per
kind, ported from kubernetes' ``pkg/printers/internalversion``). It is pure: the API
server hands it objects and a resourceVersion and serialises the result.

Each row carries ``object``: a ``PartialObjectMetadata`` by default (kubectl reads the
namespace for ``-A`` and the labels for ``--show-labels`` from it), the full object for
``includeObject=Object`` (``--sort-by``), nothing for ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.apiserver.tables import pod
from tinykube.apiserver.tables.columns import Printer
from tinykube.apiserver.tables.registry import printer_for
from tinykube.errors import BadRequest

__all__ = ["INCLUDE_OBJECT", "partial_object_metadata", "row", "table"]

INCLUDE_OBJECT = ("Metadata", "Object", "None")


def partial_object_metadata(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(obj.get("metadata") or {}),
    }


def _typed(obj: Obj, kind: Kind | None) -> Obj:
    """The object with ``kind``/``apiVersion`` (list items may lack them; kubectl needs them)."""
    if kind is None or ("kind" in obj and "apiVersion" in obj):
        return obj
    return {"apiVersion": kind.api_version, "kind": kind.kind, **obj}


def _embedded(obj: Obj, include_object: str, kind: Kind | None) -> Obj | None:
    if include_object == "Object":
        return _typed(obj, kind)
    if include_object == "None":
        return None
    return partial_object_metadata(obj)


def row(
    printer: Printer, kind: Kind | None, obj: Obj, include_object: str, now: datetime
) -> Obj:
    """One ``TableRow``: cells, the embedded object, and row conditions for finished pods."""
    out: dict[str, Any] = {"cells": printer.cells(obj, now)}
    if printer is pod.PRINTER and (conditions := pod.conditions(obj)) is not None:
        out["conditions"] = conditions
    embedded = _embedded(obj, include_object, kind)
    if embedded is not None:
        out["object"] = embedded
    return out


def _kind_named(name: str) -> Kind | None:
    return next((k for k in kinds.KINDS if k.kind == name), None)


def table(
    kind: Kind | str,
    objs: Iterable[Obj],
    *,
    resource_version: str,
    include_object: str = "Metadata",
    with_columns: bool = True,
    now: datetime | None = None,
) -> Obj:
    """A ``meta.k8s.io/v1`` Table of ``objs`` (all of one kind) with kubectl's columns.

    ``with_columns=False`` sends ``columnDefinitions: null``, as for watch events after
    the first. Raises ``BadRequest`` for an ``include_object`` Kubernetes does not know.
    """
    if include_object not in INCLUDE_OBJECT:
        raise BadRequest(
            f'includeObject: Unsupported value: "{include_object}": supported values: '
            '"Metadata", "None", "Object"'
        )
    served = kind if isinstance(kind, Kind) else _kind_named(kind)
    printer = printer_for(kind.kind if isinstance(kind, Kind) else kind)
    at = now or datetime.now(UTC)
    metadata: dict[str, Any] = {"resourceVersion": resource_version} if resource_version else {}
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [c.to_dict() for c in printer.columns] if with_columns else None,
        "rows": [row(printer, served, o, include_object, at) for o in objs],
    }
