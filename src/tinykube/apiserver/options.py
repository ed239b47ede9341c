"""Query parameters and DeleteOptions, parsed once into frozen values.

Kubernetes spreads a request's options over the query string (``labelSelector``,
``dryRun=All``, ``fieldValidation``, ``watch``...) and, for DELETE, over a body too
(kubectl sends ``{"propagationPolicy":"Background","dryRun":["All"]}``). The handlers
turn both into the values below before calling the registry, which never sees a query.
Bad values are 400s worded like Kubernetes'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tinykube.api import fields, labels
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest

FieldValidation = Literal["Strict", "Warn", "Ignore"]
Propagation = Literal["Background", "Foreground", "Orphan"]
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_VALIDATIONS: tuple[FieldValidation, ...] = ("Strict", "Warn", "Ignore")
_PROPAGATIONS: tuple[Propagation, ...] = ("Background", "Foreground", "Orphan")
_EVERYTHING_LABELS = labels.parse("")


@dataclass(frozen=True)
class Selection:
    """Which objects of a collection a list or watch wants."""

    labels: labels.Selector
    fields: fields.FieldSelector
    name: str | None = None  # from ``metadata.name=X``: narrows the store prefix

    def matches(self, obj: Obj) -> bool:
        md = obj.get("metadata") or {}
        if self.name is not None and md.get("name") != self.name:
            return False
        if not self.labels.empty() and not self.labels.matches(md.get("labels") or {}):
            return False
        return self.fields.empty() or self.fields.matches(obj)

    @property
    def everything(self) -> bool:
        return self.labels.empty() and self.fields.empty()


@dataclass(frozen=True)
class ListOptions:
    selection: Selection
    resource_version: str = ""
    watch: bool = False
    bookmarks: bool = False
    timeout: float | None = None
    include_object: str = "Metadata"


@dataclass(frozen=True)
class WriteOptions:
    dry_run: bool = False
    field_manager: str | None = None
    field_validation: FieldValidation = "Warn"
    force: bool = False


@dataclass(frozen=True)
class DeleteOptions:
    dry_run: bool = False
    propagation: Propagation | None = None
    grace_period: int | None = None
    uid: str | None = None
    resource_version: str | None = None


def selection(kind: Kind, label_selector: str, field_selector: str) -> Selection:
    lab = labels.parse(label_selector) if label_selector else _EVERYTHING_LABELS
    fld = fields.parse(kind, field_selector)
    return Selection(lab, fld, _name_term(field_selector))


def list_options(kind: Kind, query: Mapping[str, str]) -> ListOptions:
    sel = selection(kind, query.get("labelSelector", ""), query.get("fieldSelector", ""))
    timeout = query.get("timeoutSeconds")
    include = query.get("includeObject") or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise BadRequest(f'includeObject: Unsupported value: "{include}"')
    return ListOptions(
        selection=sel,
        resource_version=query.get("resourceVersion", ""),
        watch=boolean(query, "watch"),
        bookmarks=boolean(query, "allowWatchBookmarks"),
        timeout=float(_integer("timeoutSeconds", timeout)) if timeout else None,
        include_object=include,
    )


def write_options(query: Mapping[str, str]) -> WriteOptions:
    validation = query.get("fieldValidation") or "Warn"
    if validation not in _VALIDATIONS:
        raise BadRequest(
            f'fieldValidation: Unsupported value: "{validation}": supported values: '
            '"Ignore", "Strict", "Warn"'
        )
    manager = query.get("fieldManager") or None
    if manager is not None and len(manager) > 128:
        raise BadRequest("fieldManager: Too long: may not be longer than 128")
    return WriteOptions(
        dry_run=_dry_run(query.get("dryRun")),
        field_manager=manager,
        field_validation=validation,
        force=boolean(query, "force"),
    )


def delete_options(query: Mapping[str, str], body: Mapping[str, Any]) -> DeleteOptions:
    """DeleteOptions from the body, the query filling what the body leaves out."""
    propagation = body.get("propagationPolicy") or query.get("propagationPolicy") or None
    if propagation is None:
        orphan = body.get("orphanDependents")
        if orphan is None and "orphanDependents" in query:
            orphan = boolean(query, "orphanDependents")
        if orphan is not None:
            propagation = "Orphan" if orphan else "Background"
    if propagation is not None and propagation not in _PROPAGATIONS:
        raise BadRequest(
            f'propagationPolicy: Unsupported value: "{propagation}": supported values: '
            '"Background", "Foreground", "Orphan"'
        )
    grace = body.get("gracePeriodSeconds")
    if grace is None and "gracePeriodSeconds" in query:
        grace = _integer("gracePeriodSeconds", query["gracePeriodSeconds"])
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise BadRequest("gracePeriodSeconds must be an integer")
    pre = body.get("preconditions") or {}
    if not isinstance(pre, dict):
        raise BadRequest("preconditions must be an object")
    dry = body.get("dryRun")
    if isinstance(dry, list):
        dry_run = _dry_run(",".join(str(d) for d in dry) if dry else None)
    else:
        dry_run = _dry_run(query.get("dryRun"))
    return DeleteOptions(
        dry_run=dry_run,
        propagation=propagation,
        grace_period=grace if grace is None else max(0, grace),
        uid=pre.get("uid") or None,
        resource_version=pre.get("resourceVersion") or None,
    )


def boolean(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name)
    if value is None or value == "":
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadRequest(f'{name}: Invalid value: "{value}": must be a boolean')


def _dry_run(value: str | None) -> bool:
    if not value:
        return False
    for v in value.split(","):
        if v != "All":
            raise BadRequest(f'dryRun: Unsupported value: "{v}": supported values: "All"')
    return True


def _integer(name: str, value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise BadRequest(f'{name}: Invalid value: "{value}": must be an integer') from None


def _name_term(field_selector: str) -> str | None:
    for term in field_selector.split(","):
        key, op, value = term.partition("=")
        if op and key.strip() == "metadata.name" and not key.endswith("!"):
            return value.lstrip("=").strip()
    return None
