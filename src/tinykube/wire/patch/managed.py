"""``metadata.managedFields``: who owns which fields, and how ordinary writes change it.

Each entry names a manager (``kubectl``, ``kubectl-client-side-apply``...), the
operation (``Apply`` for server-side apply, ``Update`` for everything else), the API
version, a time, an optional subresource and a ``fieldsV1`` set of owned paths (see
``fieldset``). An entry is identified as Kubernetes identifies it: by manager, operation
and subresource, plus the API version for ``Update`` entries.

``record_update`` is what the API server calls after a create, update or non-apply patch:
the writer takes every field it added or changed, away from whoever owned it before
(updates never conflict). Like Kubernetes, it never records ``apiVersion``, ``kind``,
``metadata.name`` and the other server-set metadata, and it keeps ``status`` apart from
the rest for kinds with a ``status`` subresource. Two simplifications: paths that an
update removes are dropped from every entry (Kubernetes leaves them as stale ownership),
and the number of ``Update`` entries is not capped (Kubernetes folds the oldest ones into
``ancient-changes`` past ten).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tinykube.api import meta, schema
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.wire.patch.fieldset import MEMBER, Path, fields_of, from_fields_v1, to_fields_v1
from tinykube.wire.patch.jsonpatch import json_equal

APPLY = "Apply"
UPDATE = "Update"
BEFORE_FIRST_APPLY = "before-first-apply"

_IGNORED: tuple[Path, ...] = (
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata",),
    ("f:metadata", "f:name"),
    ("f:metadata", "f:namespace"),
    ("f:metadata", "f:creationTimestamp"),
    ("f:metadata", "f:selfLink"),
    ("f:metadata", "f:uid"),
    ("f:metadata", "f:generation"),
    ("f:metadata", "f:managedFields"),
    ("f:metadata", "f:resourceVersion"),
)


@dataclass(frozen=True)
class Entry:
    """One ``managedFields`` entry, its ``fieldsV1`` decoded into a set of paths."""

    manager: str
    operation: str
    api_version: str
    time: str
    fields: frozenset[Path]
    subresource: str = ""

    def same_owner(self, other: Entry) -> bool:
        return self.identity() == other.identity()

    def identity(self) -> tuple[str, str, str, str]:
        version = "" if self.operation == APPLY else self.api_version
        return (self.manager, self.operation, self.subresource, version)

    def describe(self) -> str:
        """How conflicts name the manager: ``"kubectl-create" using apps/v1``."""
        out = f'"{self.manager}"'
        if self.subresource:
            out += f' with subresource "{self.subresource}"'
        if self.operation == UPDATE:
            out += f" using {self.api_version}"
        return out

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def parse(obj: Obj | None) -> list[Entry]:
    """The entries of ``obj``'s ``metadata.managedFields``; malformed entries are skipped."""
    raw = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    entries = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("manager"), str):
            entries.append(
                Entry(
                    manager=item["manager"],
                    operation=str(item.get("operation") or UPDATE),
                    api_version=str(item.get("apiVersion") or ""),
                    time=str(item.get("time") or ""),
                    fields=from_fields_v1(item.get("fieldsV1")),
                    subresource=str(item.get("subresource") or ""),
                )
            )
    return entries


def store(obj: Obj, entries: Iterable[Entry]) -> None:
    """Write ``entries`` into ``obj`` in Kubernetes' order (Apply first, then by time)."""
    kept = sorted(
        (e for e in entries if e.fields),
        key=lambda e: (e.operation, e.time, e.manager, e.api_version, e.subresource),
    )
    md = meta.metadata(obj)
    if kept:
        md["managedFields"] = [e.encode() for e in kept]
    else:
        md.pop("managedFields", None)


def owned(kind: Kind, fields: Mapping[Path, Any], subresource: str) -> dict[Path, Any]:
    """``fields`` without the paths no manager ever owns through this endpoint."""
    has_status = "status" in kind.subresources
    out = {}
    for path, value in fields.items():
        if path in _IGNORED or path[:2] in _IGNORED[3:]:
            continue
        if has_status and (path[:1] == ("f:status",)) != (subresource == "status"):
            continue
        out[path] = value
    return out


def object_fields(kind: Kind, obj: Obj | None, subresource: str) -> dict[Path, Any]:
    """Every path of ``obj`` a manager can own, containers included, with its value."""
    if obj is None:
        return {}
    return owned(kind, fields_of(schema.root(kind), obj, containers=True), subresource)


def changed_paths(before: Mapping[Path, Any], after: Mapping[Path, Any]) -> set[Path]:
    """Paths added or given another value between ``before`` and ``after``."""
    return {p for p, v in after.items() if p not in before or not _same(before[p], v)}


def _same(a: Any, b: Any) -> bool:
    if a is MEMBER or b is MEMBER:
        return a is b
    return json_equal(a, b)


def take(entries: list[Entry], me: Entry, paths: set[Path]) -> list[Entry]:
    """Every entry but ``me``'s without ``paths``."""
    return [e if e.same_owner(me) else replace(e, fields=e.fields - paths) for e in entries]


def put(entries: list[Entry], entry: Entry) -> list[Entry]:
    """``entries`` with ``entry`` replacing the one of the same owner (or added)."""
    return [e for e in entries if not e.same_owner(entry)] + [entry]


def find(entries: list[Entry], me: Entry) -> Entry | None:
    return next((e for e in entries if e.same_owner(me)), None)


def record_update(
    kind: Kind,
    old: Obj | None,
    new: Obj,
    manager: str,
    operation: str = UPDATE,
    *,
    subresource: str = "",
    now: str | None = None,
) -> Obj:
    """A copy of ``new`` whose ``managedFields`` record that ``manager`` wrote it over
    ``old`` (None for a create). The entries are taken from ``old``; any in ``new`` are
    ignored, so call this with the object about to be stored."""
    before = object_fields(kind, old, subresource)
    after = object_fields(kind, new, subresource)
    changed = changed_paths(before, after)
    removed = set(before) - set(after)
    me = Entry(manager, operation, kind.api_version, now or meta.now(), frozenset(), subresource)
    entries = [replace(e, fields=e.fields - removed) for e in parse(old)]
    entries = take(entries, me, changed)
    previous = find(entries, me)
    mine = ((previous.fields if previous else frozenset()) - removed) | changed
    if previous is not None and not changed:
        me = replace(me, time=previous.time)
    out = copy.deepcopy(new)
    store(out, put(entries, replace(me, fields=frozenset(mine))))
    return out
