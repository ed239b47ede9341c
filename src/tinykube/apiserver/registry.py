"""The generic store-backed resource: get, list, create, update, patch, delete.

One ``Registry`` serves every kind; what differs per kind lives in ``strategy``,
``deletion`` and, for Services, the allocator. The write path is Kubernetes':

    create:  intake -> generateName -> prepare -> NamespaceLifecycle -> defaults
             -> validate (422) -> allocate -> store -> commit | revert
    update:  read -> transform (body, patch, status, scale...) -> resourceVersion
             precondition (409) -> prepare -> allocator.prepare_update -> defaults
             -> validate_update (422) -> allocate -> store (retry on a lost race when the
             client named no resourceVersion) -> commit | revert -> finalizers done? delete

An update that changes nothing is not written. ``dryRun`` runs everything up to the store
and answers what would have been stored. Nothing half-done is ever stored: every failure
before the store write leaves the store as it was and reverts the allocation.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tinykube.api import defaults, meta, validation
from tinykube.api.kinds import SERVICE, Kind
from tinykube.api.meta import Obj
from tinykube.errors import Cause, KeyExists, KeyNotFound, NotFound, RevisionConflict, invalid
from tinykube.store.storage import Storage
from tinykube.wire import codec

from . import admission, deletion, failures, intake, objects, patching, strategy
from .cache import Cache, Entry
from .negotiation import PatchType
from .options import DeleteOptions, Selection, WriteOptions

Mode = Literal["main", "status", "raw"]
Transform = Callable[[Obj], tuple[Obj, list[str]]]
ATTEMPTS = 1000  # a lost race means another write won: every round makes progress
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' SimpleNameGenerator alphabet


class Transaction(Protocol):
    def commit(self) -> None: ...

    def revert(self) -> None: ...


class ServiceAllocations(Protocol):
    """What the registry needs from ``allocation.ServiceAllocator``."""

    def rebuild(self, services: Iterable[Obj]) -> None: ...

    def prepare_update(self, new: Obj, old: Obj) -> None: ...

    def allocate(self, new: Obj, old: Obj | None, dry_run: bool = False) -> Transaction: ...

    def release(self, svc: Obj) -> None: ...


class _Nothing:
    def commit(self) -> None:
        pass

    def revert(self) -> None:
        pass


NOTHING = _Nothing()


@dataclass(frozen=True)
class Ref:
    """One object of one kind: what a write or a read of an object names."""

    kind: Kind
    namespace: str | None
    name: str

    @property
    def key(self) -> str:
        return self.kind.key(self.namespace or "", self.name)


@dataclass(frozen=True)
class Outcome:
    """A written object, whether it was created, and warnings for the client."""

    obj: Obj
    created: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removal:
    """What a delete left: the last state, and whether the object is gone already."""

    obj: Obj
    gone: bool


class Registry:
    def __init__(self, store: Storage, allocator: ServiceAllocations | None = None,
                 cache: Cache | None = None) -> None:
        self.store = store
        self.allocator = allocator
        self.cache = cache

    # ------------------------------------------------------------------ reads

    async def get(self, ref: Ref) -> Obj:
        obj = await self.store.get(ref.key)
        if obj is None:
            raise failures.not_found(ref.kind, ref.name)
        return obj

    async def select(self, kind: Kind, namespace: str | None,
                     selection: Selection) -> tuple[list[Entry], int]:
        """The matching objects (read-only, with their JSON) and the revision read at."""
        entries, revision = await self.read(list_prefix(kind, namespace, selection))
        if selection.everything and selection.name is None:
            return entries, revision
        return [e for e in entries if selection.matches(e.obj)], revision

    async def read(self, prefix: str) -> tuple[list[Entry], int]:
        """Every object under ``prefix``: from the cache when there is one."""
        if self.cache is not None:
            return await self.cache.list(prefix)
        items, revision = await self.store.list(prefix)
        return [Entry(o, codec.dumps(o)) for o in items], revision

    # ------------------------------------------------------------------ create

    async def create(self, kind: Kind, namespace: str | None, body: Obj,
                     opts: WriteOptions) -> Outcome:
        warnings = intake.admit(kind, body, opts.field_validation)
        intake.place(kind, body, namespace)
        return await self.create_object(kind, body, opts, warnings)

    async def create_object(self, kind: Kind, obj: Obj, opts: WriteOptions,
                            warnings: list[str]) -> Outcome:
        """Create ``obj`` (already typed, checked and placed)."""
        st = strategy.for_kind(kind)
        md = meta.metadata(obj)
        if not md.get("name") and md.get("generateName"):
            md["name"] = generate_name(str(md["generateName"]))
        st.prepare_create(obj)
        name, namespace = meta.name(obj), meta.namespace(obj)
        await admission.check_create(self.store, kind, namespace, name)
        defaults.apply(obj)
        causes = _name_causes(obj) + validation.validate(obj)
        if causes:
            raise invalid(kind.kind, name, _unique(causes), kind.group)
        warnings = warnings + validation.warnings(obj)
        key = kind.key(namespace, name)
        txn = self._allocate(kind, obj, None, opts.dry_run)
        try:
            out = await self._store_new(kind, key, obj, opts.dry_run)
        except BaseException:
            txn.revert()
            raise
        _finish(txn, opts.dry_run)
        return Outcome(out, created=True, warnings=tuple(warnings))

    async def _store_new(self, kind: Kind, key: str, obj: Obj, dry_run: bool) -> Obj:
        try:
            if not dry_run:
                return await self.store.create(key, obj)
            if await self.store.get(key) is None:
                return obj
            raise KeyExists(key, key=key)
        except KeyExists:
            raise failures.already_exists(kind, meta.name(obj)) from None

    # ------------------------------------------------------------------ update

    async def update(self, ref: Ref, body: Obj, opts: WriteOptions) -> Outcome:
        kind = ref.kind
        warnings = intake.admit(kind, body, opts.field_validation)
        intake.place(kind, body, ref.namespace, ref.name)
        create = None
        if strategy.for_kind(kind).allow_create_on_update:
            async def create() -> Outcome:
                return await self.create_object(kind, objects.clone(body), opts, warnings)
        return await self.update_with(ref, lambda _: (objects.clone(body), warnings), opts,
                                      create=create)

    async def patch(self, ref: Ref, ptype: PatchType, body: Any, opts: WriteOptions) -> Outcome:
        create = None
        if ptype == "apply":
            patching.check_apply(opts)

            async def create() -> Outcome:
                return await self._apply_create(ref, body, opts)
        return await self.update_with(ref, patcher(ref, ptype, body, opts), opts, create=create)

    async def _apply_create(self, ref: Ref, body: Obj, opts: WriteOptions) -> Outcome:
        kind = ref.kind
        applied = objects.clone(body)
        warnings = intake.admit(kind, applied, opts.field_validation)
        intake.place(kind, applied, ref.namespace, ref.name)
        obj = patching.apply_create(kind, applied, opts)
        intake.place(kind, obj, ref.namespace, ref.name)
        return await self.create_object(kind, obj, opts, warnings)

    async def update_with(self, ref: Ref, transform: Transform, opts: WriteOptions, *,
                          mode: Mode = "main",
                          create: Callable[[], Awaitable[Outcome]] | None = None) -> Outcome:
        """Read, transform, check and write one object, retrying lost races.

        ``transform`` gets a copy of the stored object without its resourceVersion and
        returns the proposed object: a resourceVersion in it is a precondition (409 when
        stale, no retry); without one the update is retried against fresh reads.
        ``mode``: "main" (the resource), "status" (only status changes), "raw" (system
        writes such as finalize and binding: no defaults, no validation).
        """
        kind, name, key = ref.kind, ref.name, ref.key
        for _ in range(ATTEMPTS):
            old = await self.store.get(key)
            if old is None:
                if create is not None:
                    return await create()
                raise failures.not_found(kind, name)
            base = objects.clone(old)
            meta.metadata(base).pop("resourceVersion", None)
            new, warnings = transform(base)
            pinned = str((new.get("metadata") or {}).get("resourceVersion") or "")
            if pinned and pinned != str(meta.resource_version(old)):
                raise failures.conflict(kind, name)
            try:
                return await self._write(ref, new, old, opts=opts, mode=mode, warnings=warnings)
            except RevisionConflict:
                if pinned:
                    raise failures.conflict(kind, name) from None
            except KeyNotFound:
                raise failures.not_found(kind, name) from None
        raise failures.conflict(kind, name)

    async def _write(self, ref: Ref, new: Obj, old: Obj, *, opts: WriteOptions, mode: Mode,
                     warnings: list[str]) -> Outcome:
        kind, key = ref.kind, ref.key
        st = strategy.for_kind(kind)
        txn: Transaction = NOTHING
        if mode != "raw":
            new = self._prepare_update(st, new, old, mode)
            defaults.apply(new)
            causes = st.metadata_causes(new, old) + validation.validate_update(new, old)
            if causes:
                raise invalid(kind.kind, meta.name(old), _unique(causes), kind.group)
            warnings = warnings + validation.warnings(new)
            if mode == "main":
                txn = self._allocate(kind, new, old, opts.dry_run)
        if objects.same(new, old):
            txn.revert()
            return Outcome(old, warnings=tuple(warnings))
        try:
            if opts.dry_run:
                meta.metadata(new)["resourceVersion"] = str(meta.resource_version(old))
                out = new
            else:
                out = await self.store.update(key, new, expect=meta.resource_version(old))
        except BaseException:
            txn.revert()
            raise
        _finish(txn, opts.dry_run)
        if not opts.dry_run and st.should_delete_on_update(out):
            out = await self._remove_emptied(kind, key, out)
        return Outcome(out, warnings=tuple(warnings))

    def _prepare_update(self, st: strategy.Strategy, new: Obj, old: Obj, mode: Mode) -> Obj:
        if mode == "status":
            return st.prepare_status_update(new, old)
        st.prepare_update(new, old)
        if st.kind is SERVICE and self.allocator is not None:
            self.allocator.prepare_update(new, old)
        return new

    async def _remove_emptied(self, kind: Kind, key: str, obj: Obj) -> Obj:
        """Delete an object whose last finalizer an update just removed."""
        try:
            out = await self.store.delete(key, expect=meta.resource_version(obj))
        except (RevisionConflict, KeyNotFound):
            return obj  # someone else wrote or deleted it since; they carry on from there
        self._released(kind, out)
        return out

    # ------------------------------------------------------------------ delete

    async def delete(self, ref: Ref, opts: DeleteOptions) -> Removal:
        kind, name, key = ref.kind, ref.name, ref.key
        st = strategy.for_kind(kind)
        admission.check_delete(kind, name)
        for _ in range(ATTEMPTS):
            obj = await self.store.get(key)
            if obj is None:
                raise failures.not_found(kind, name)
            deletion.check_preconditions(st, obj, opts)
            plan = deletion.plan(st, obj, opts)
            if plan.action == "keep" or opts.dry_run:
                return Removal(plan.obj, gone=plan.action == "remove")
            try:
                return await self._run(kind, key, obj, plan)
            except RevisionConflict:
                continue
            except KeyNotFound:
                raise failures.not_found(kind, name) from None
        raise failures.conflict(kind, name)

    async def _run(self, kind: Kind, key: str, obj: Obj, plan: deletion.Plan) -> Removal:
        rv = meta.resource_version(obj)
        if plan.action == "remove":
            out = await self.store.delete(key, expect=rv)
            self._released(kind, out)
            return Removal(out, gone=True)
        return Removal(await self.store.update(key, plan.obj, expect=rv), gone=False)

    async def delete_collection(self, kind: Kind, namespace: str | None, *,
                                selection: Selection, opts: DeleteOptions) -> list[Obj]:
        entries, _ = await self.select(kind, namespace, selection)
        out = []
        for item in (e.obj for e in entries):
            try:
                ref = Ref(kind, meta.namespace(item) or None, meta.name(item))
                removal = await self.delete(ref, opts)
            except NotFound:
                continue
            out.append(removal.obj)
        return out

    # ------------------------------------------------------------------ allocation

    def _allocate(self, kind: Kind, new: Obj, old: Obj | None, dry_run: bool) -> Transaction:
        if kind is not SERVICE or self.allocator is None:
            return NOTHING
        return self.allocator.allocate(new, old, dry_run=dry_run)

    def _released(self, kind: Kind, obj: Obj) -> None:
        if kind is SERVICE and self.allocator is not None:
            self.allocator.release(obj)


def patcher(ref: Ref, ptype: PatchType, body: Any, opts: WriteOptions) -> Transform:
    """The transform that applies a patch to the stored object and checks the result."""
    def transform(base: Obj) -> tuple[Obj, list[str]]:
        new = patching.apply(ref.kind, ptype, base, body, opts)
        warnings = intake.admit(ref.kind, new, opts.field_validation)
        intake.place(ref.kind, new, ref.namespace, ref.name)
        return new, warnings
    return transform


def list_prefix(kind: Kind, namespace: str | None, selection: Selection) -> str:
    """The store prefix to read: narrowed to one key's prefix for ``metadata.name=X``."""
    if selection.name and (namespace or not kind.namespaced):
        return kind.key(namespace or "", selection.name)
    return kind.prefix(namespace)


def generate_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))


def _finish(txn: Transaction, dry_run: bool) -> None:
    if dry_run:
        txn.revert()
    else:
        txn.commit()


def _name_causes(obj: Obj) -> list[Cause]:
    if meta.name(obj):
        return []
    return [Cause("FieldValueRequired", "metadata.name",
                  "Required value: name or generateName is required")]


def _unique(causes: list[Cause]) -> list[Cause]:
    seen: set[tuple[str, str]] = set()
    out = []
    for c in causes:
        if (c.field, c.message) not in seen:
            seen.add((c.field, c.message))
            out.append(c)
    return out
