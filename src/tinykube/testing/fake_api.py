"""An in-memory Kubernetes API for tests: ``machinery.apiclient.ApiClient`` without HTTP.

Objects live in a dict with one global revision, like the real store; list, watch (history
replay from a resourceVersion, ``Expired`` for a compacted one, synthetic ADDED for "0"),
create, get, update (optimistic concurrency on ``metadata.resourceVersion``), JSON merge
patch and delete behave like the API server in the ways controllers depend on:

- delete with finalizers, or with ``Foreground``/``Orphan`` propagation (which add the
  ``foregroundDeletion``/``orphan`` finalizer), only sets ``deletionTimestamp``; the object
  goes when an update leaves it with no finalizers;
- namespaces get ``spec.finalizers: [kubernetes]`` on create, turn ``Terminating`` on delete,
  and go once ``PUT .../finalize`` and their metadata finalizers leave nothing;
- nothing collects garbage: that is the garbage collector's job.

Test controls: ``compact()`` (watches from older revisions get ``Expired``), ``end_watches()``,
``bookmark()``, ``error_watches(status)``, ``fail(verb, error)`` (the next call of ``verb``
raises), and ``calls`` (every write, for assertions).
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tinykube.api import fields, kinds, labels, meta
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import AlreadyExists, BadRequest, Conflict, Expired, NotFound
from tinykube.machinery.apiclient import PatchType, Propagation
from tinykube.machinery.listwatch import WatchEvent, WatchEventType
from tinykube.wire import codec

_Ref = tuple[Kind, str, str]  # kind, namespace ("" when cluster-scoped), name


def _copy(obj: Obj) -> Obj:
    out: Obj = codec.loads(codec.dumps(obj))
    return out


@dataclass(frozen=True)
class _Change:
    revision: int
    kind: Kind
    namespace: str
    event: WatchEvent


@dataclass(frozen=True)
class Call:
    verb: str
    kind: str  # plural
    namespace: str
    name: str
    detail: str = ""  # propagation, subresource, patch type


class FakeApi:
    def __init__(self) -> None:
        self.revision = 0
        self.objects: dict[_Ref, Obj] = {}
        self.calls: list[Call] = []
        self._history: list[_Change] = []
        self._oldest = 0  # watches may start at resourceVersion >= oldest
        self._watchers: set[asyncio.Queue[_Change | BaseException | None]] = set()
        self._failures: dict[str, list[BaseException]] = {}

    # ------------------------------------------------------------------ test controls

    def fail(self, verb: str, error: BaseException) -> None:
        """The next call of ``verb`` (list, watch, get, create, update, patch, delete) raises."""
        self._failures.setdefault(verb, []).append(error)

    def compact(self) -> None:
        """Forget all history: a watch from any earlier revision now gets ``Expired``."""
        self._history.clear()
        self._oldest = self.revision

    def end_watches(self) -> None:
        """Close every open watch stream, as a server restart or timeout would."""
        for q in self._watchers:
            q.put_nowait(None)

    def error_watches(self, status: Obj) -> None:
        """Send an ERROR event carrying ``status`` to every open watch."""
        for q in self._watchers:
            q.put_nowait(_Change(self.revision, kinds.NAMESPACE, "",
                                 WatchEvent("ERROR", status)))

    def bookmark(self) -> None:
        """Send a BOOKMARK at the current revision to every open watch."""
        ev = WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": str(self.revision)}})
        for q in self._watchers:
            q.put_nowait(_Change(self.revision, kinds.NAMESPACE, "", ev))

    @property
    def watchers(self) -> int:
        return len(self._watchers)

    def find(self, kind: Kind, name: str, namespace: str = "") -> Obj | None:
        """The stored object itself (not a copy), for assertions."""
        return self.objects.get(self._ref(kind, name, namespace))

    def _maybe_fail(self, verb: str) -> None:
        pending = self._failures.get(verb)
        if pending:
            raise pending.pop(0)

    # ------------------------------------------------------------------ reading

    async def list(self, kind: Kind, namespace: str | None = None, label_selector: str = "",
                   field_selector: str = "") -> tuple[list[Obj], str]:
        self._maybe_fail("list")
        items = [_copy(o) for o in self._select(kind, namespace, label_selector,
                                                 field_selector)]
        return items, str(self.revision)

    async def get(self, kind: Kind, name: str, namespace: str | None = None, *,
                  subresource: str | None = None) -> Obj:
        self._maybe_fail("get")
        return _copy(self._get(kind, name, namespace or ""))

    def _select(self, kind: Kind, namespace: str | None, label_selector: str,
                field_selector: str) -> builtins.list[Obj]:
        lsel = labels.parse(label_selector)
        fsel = fields.parse(kind, field_selector)
        out = []
        for (k, ns, _), obj in sorted(self.objects.items(), key=lambda kv: kv[0][1:]):
            if k != kind or (kind.namespaced and namespace and ns != namespace):
                continue
            if lsel.matches(meta.labels(obj)) and fsel.matches(obj):
                out.append(obj)
        return out

    async def watch(self, kind: Kind, namespace: str | None = None, *,
                    resource_version: str = "", label_selector: str = "",
                    field_selector: str = "",
                    timeout_seconds: int | None = None) -> AsyncIterator[WatchEvent]:
        self._maybe_fail("watch")
        ns = namespace if kind.namespaced else None
        queue: asyncio.Queue[_Change | BaseException | None] = asyncio.Queue()
        if resource_version in ("", "0"):
            since = self.revision
            backlog = [_Change(since, kind, meta.namespace(o), WatchEvent("ADDED", o))
                       for o in self._select(kind, ns, label_selector, field_selector)]
        else:
            since = int(resource_version)
            if since < self._oldest:
                raise Expired(f"too old resource version: {since} ({self._oldest})")
            backlog = [c for c in self._history if c.revision > since]
        self._watchers.add(queue)
        lsel = labels.parse(label_selector)
        fsel = fields.parse(kind, field_selector)
        try:
            for change in backlog:
                if self._wanted(change, kind, ns, lsel, fsel):
                    yield WatchEvent(change.event.type, _copy(change.event.object))
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                if item.event.type in ("BOOKMARK", "ERROR") or (
                    item.revision > since and self._wanted(item, kind, ns, lsel, fsel)
                ):
                    yield WatchEvent(item.event.type, _copy(item.event.object))
        finally:
            self._watchers.discard(queue)

    @staticmethod
    def _wanted(change: _Change, kind: Kind, ns: str | None, lsel: labels.Selector,
                fsel: fields.FieldSelector) -> bool:
        if change.kind != kind or (ns and change.namespace != ns):
            return False
        obj = change.event.object
        return lsel.matches(meta.labels(obj)) and fsel.matches(obj)

    # ------------------------------------------------------------------ writing

    async def create(self, kind: Kind, obj: Obj, namespace: str | None = None, *,
                     dry_run: bool = False, field_manager: str | None = None) -> Obj:
        self._maybe_fail("create")
        new = _copy(obj)
        md = meta.metadata(new)
        ns = (namespace or md.get("namespace") or "default") if kind.namespaced else ""
        name = str(md.get("name") or "")
        if not name and md.get("generateName"):
            name = f"{md['generateName']}{self.revision + 1:05d}"
        if not name:
            raise BadRequest("name or generateName is required")
        ref = self._ref(kind, name, ns)
        if ref in self.objects:
            raise AlreadyExists(f'{kind.group_resource} "{name}" already exists', name=name,
                                kind=kind.plural, group=kind.group)
        new["apiVersion"], new["kind"] = kind.api_version, kind.kind
        md.update(name=name, uid=meta.new_uid(), creationTimestamp=meta.now())
        md.pop("deletionTimestamp", None)
        if ns:
            md["namespace"] = ns
        if kind is kinds.NAMESPACE:
            new.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            new.setdefault("status", {})["phase"] = "Active"
        if dry_run:
            return new
        self.calls.append(Call("create", kind.plural, ns, name))
        return _copy(self._write(kind, ref, new, "ADDED"))

    async def update(self, kind: Kind, obj: Obj, *, subresource: str | None = None) -> Obj:
        self._maybe_fail("update")
        md = obj.get("metadata") or {}
        name, ns = str(md.get("name") or ""), str(md.get("namespace") or "")
        current = self._get(kind, name, ns)
        self._check_rv(kind, current, md)
        self.calls.append(Call("update", kind.plural, ns, name, subresource or ""))
        new = self._merge_update(current, _copy(obj), subresource)
        return _copy(self._store_or_finish(kind, new))

    async def patch(self, kind: Kind, name: str, patch: Any, namespace: str | None = None,
                    *, patch_type: PatchType = "merge", subresource: str | None = None,
                    field_manager: str | None = None, force: bool = False) -> Obj:
        self._maybe_fail("patch")
        if patch_type != "merge":
            raise BadRequest(f"FakeApi supports merge patches only, not {patch_type}")
        current = self._get(kind, name, namespace or "")
        patched = merge_patch(current, patch)
        self._check_rv(kind, current, patch.get("metadata") or {})
        self.calls.append(Call("patch", kind.plural, namespace or "", name, subresource or ""))
        new = self._merge_update(current, patched, subresource)
        return _copy(self._store_or_finish(kind, new))

    async def delete(self, kind: Kind, name: str, namespace: str | None = None, *,
                     propagation: Propagation | None = None, uid: str | None = None) -> Obj:
        self._maybe_fail("delete")
        current = self._get(kind, name, namespace or "")
        if uid and meta.uid(current) != uid:
            raise Conflict(f"Precondition failed: UID in precondition: {uid}, UID in object "
                           f"meta: {meta.uid(current)}", name=name, kind=kind.plural)
        self.calls.append(Call("delete", kind.plural, namespace or "", name,
                               propagation or ""))
        new = _copy(current)
        md = meta.metadata(new)
        fins = list(md.get("finalizers") or [])
        extra = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}.get(propagation or "")
        if extra and extra not in fins and not md.get("deletionTimestamp"):
            fins.append(extra)
        if fins:
            md["finalizers"] = fins
        md.setdefault("deletionTimestamp", meta.now())
        if kind is kinds.NAMESPACE:
            new.setdefault("status", {})["phase"] = "Terminating"
        return _copy(self._store_or_finish(kind, new))

    # ------------------------------------------------------------------ the store

    @staticmethod
    def _ref(kind: Kind, name: str, namespace: str) -> _Ref:
        return (kind, namespace if kind.namespaced else "", name)

    def _get(self, kind: Kind, name: str, namespace: str) -> Obj:
        obj = self.objects.get(self._ref(kind, name, namespace))
        if obj is None:
            raise NotFound(f'{kind.group_resource} "{name}" not found', name=name,
                           kind=kind.plural, group=kind.group)
        return obj

    @staticmethod
    def _check_rv(kind: Kind, current: Obj, md: dict[str, Any]) -> None:
        rv = str(md.get("resourceVersion") or "")
        if rv and rv != str(meta.metadata(current).get("resourceVersion")):
            name = meta.name(current)
            raise Conflict(
                f'Operation cannot be fulfilled on {kind.group_resource} "{name}": the object '
                "has been modified; please apply your changes to the latest version and try "
                "again", name=name, kind=kind.plural, group=kind.group)

    @staticmethod
    def _merge_update(current: Obj, new: Obj, subresource: str | None) -> Obj:
        """What an update may change: status only through ``status``, spec.finalizers only
        through ``finalize``, never the identity fields."""
        out = _copy(current)
        if subresource == "status":
            out["status"] = new.get("status")
        elif subresource == "finalize":
            out.setdefault("spec", {})["finalizers"] = (new.get("spec") or {}).get(
                "finalizers") or []
        else:
            keep_status = out.get("status")
            out = new
            if keep_status is not None:
                out["status"] = keep_status
            md, old_md = meta.metadata(out), meta.metadata(current)
            for f in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"):
                if f in old_md:
                    md[f] = old_md[f]
                else:
                    md.pop(f, None)
            out["apiVersion"], out["kind"] = current["apiVersion"], current["kind"]
            if current["kind"] == "Namespace":  # spec.finalizers change only via finalize
                out.setdefault("spec", {})["finalizers"] = (current.get("spec") or {}).get(
                    "finalizers") or []
        return out

    def _store_or_finish(self, kind: Kind, new: Obj) -> Obj:
        """Write ``new``; a terminating object with nothing left holding it is deleted."""
        md = meta.metadata(new)
        ref = self._ref(kind, str(md["name"]), str(md.get("namespace") or ""))
        held = bool(md.get("finalizers"))
        if kind is kinds.NAMESPACE:
            held = held or bool((new.get("spec") or {}).get("finalizers"))
        if md.get("deletionTimestamp") and not held:
            del self.objects[ref]
            return self._record(kind, ref, new, "DELETED")
        return self._write(kind, ref, new, "MODIFIED")

    def _write(self, kind: Kind, ref: _Ref, obj: Obj, type_: WatchEventType) -> Obj:
        self.objects[ref] = obj
        return self._record(kind, ref, obj, type_)

    def _record(self, kind: Kind, ref: _Ref, obj: Obj, type_: WatchEventType) -> Obj:
        self.revision += 1
        meta.metadata(obj)["resourceVersion"] = str(self.revision)
        change = _Change(self.revision, kind, ref[1], WatchEvent(type_, _copy(obj)))
        self._history.append(change)
        for q in self._watchers:
            q.put_nowait(change)
        return obj


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (the fake's own, so it needs nothing else)."""
    if not isinstance(patch, dict):
        return codec.loads(codec.dumps(patch))
    out = _copy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out
