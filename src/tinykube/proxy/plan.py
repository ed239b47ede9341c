"""Plan one atomic nft transaction from the desired state and what was applied before.

Pure: no I/O, no clock. The input is the proxy's maps (service ports and endpoints), the
node, the ``Applied`` state of the previous successful sync and the set of service ports
that changed since (``None`` for a full sync); the output is the text for ``nft -f -`` and
the ``Applied`` state the table will be in once that text has been committed.

As in kube-proxy's nftables ``syncProxyRules``:

- a **full sync** (first sync, after a failed transaction, periodically) re-creates the
  skeleton, flushes every fixed set and map, rewrites every service chain and re-adds
  every element; chains found in the kernel (``KernelState``) that nothing uses are
  flushed, affinity sets nothing uses are deleted, stale chains that are due deleted;
- a **partial sync** rewrites only the chains of changed service ports and sends only
  the map/set elements that were added, changed or removed, computed against the
  in-memory copy of what was applied, so its size grows with the change, not the table;
- it never deletes an element, though: it flushes the set or map that held it and adds
  back what stays there, in the same transaction. nft 1.0.6 reads every chain of the
  family before a ``delete`` of any kind (~0.1 s at 10,000 services), a flush needs only
  the sets; and no container is big (``layout``: the per-service maps are split over the
  shards, the main table's containers in buckets by key), so re-adding a container's
  elements costs a few milliseconds. ``Applied.contents`` is what each container holds;
- a chain that is no longer used is flushed at once and deleted by a later sync at least
  ``STALE_DELAY`` seconds after (map elements may still reference it on older kernels);
  so is the affinity set of an endpoint that went away (flushed, so no client sticks to
  it, then deleted). Deletions wait for a sync that has nothing else to do (the one the
  dataplane asks for with ``retry_after``) unless they have waited ``STALE_MAX``: nft
  must read every chain of the family to delete one, ~0.1 s at 10,000 services, which a
  change should not wait for, and one read serves a whole batch;
- element ownership is counted: a key written by two service ports (every port of a
  Service adds its ClusterIP to ``cluster-ips``) stays until its last owner goes.

The objects are spread over the main table and its shards (``layout``); a partial sync
touches only the tables that hold something of the changed service ports, so the kernel
re-validates only those. Chains and sets are named by (table, name); an element's
ownership is counted by (set, key) over all tables, and its effective value says in which
table it lives, so two service ports in different shards claiming one key (say the same
external IP and port) still give one element, the first owner's.

Commands are ordered so each one only references objects that exist at that point: new
chains, then flushes (chains, then the containers elements leave), set flushes/deletes/
creates, rules, element adds, and finally deletes of long-stale chains and sets and of
tables that are no longer ours to keep. Deletes make nft read the tables first
(``host/nftforms`` cannot send them cache-light), so a change's partial sync deletes
nothing, unless a session-affinity timeout changed (the set is re-created).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from tinykube.proxy import layout
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.serviceplan import Chain, Element, ServicePlan, plan_service

STALE_DELAY = 1.0
STALE_MAX = 10.0
TABLE = layout.TABLE

Ref = tuple[str, str]  # (table, chain or set)
ElementKey = tuple[str, str]  # (set or map, key), whichever table holds it
Placed = tuple[str, str]  # (table, value)
Owners = Mapping[ServicePortName, Placed]  # owner -> where and what it wants
Contents = Mapping[Ref, Mapping[str, str]]  # set or map -> key -> value ("" in a set)


@dataclass(frozen=True)
class KernelState:
    """Names found by listing our tables before a full sync."""

    tables: frozenset[str] = frozenset()
    chains: frozenset[Ref] = frozenset()
    sets: Mapping[Ref, int] = field(default_factory=dict)  # set or map -> timeout


@dataclass(frozen=True)
class Applied:
    """What the tables hold after a committed transaction, as far as we wrote it."""

    plans: Mapping[ServicePortName, ServicePlan] = field(default_factory=dict)
    owners: Mapping[ElementKey, Owners] = field(default_factory=dict)
    stale: Mapping[Ref, float] = field(default_factory=dict)  # chain -> when flushed
    stale_sets: Mapping[Ref, tuple[float, int]] = field(default_factory=dict)  # when, timeout
    contents: Contents = field(default_factory=dict)  # every element, by container

    def retry_after(self, now: float) -> float | None:
        """Seconds until stale objects may be deleted (a little at least); None if none."""
        since = [*self.stale.values(), *(t for t, _ in self.stale_sets.values())]
        if not since:
            return None
        return max(min(since) + STALE_DELAY - now, STALE_DELAY / 10)


EMPTY = Applied()


@dataclass(frozen=True)
class Transaction:
    text: str
    applied: Applied
    full: bool
    rewritten: frozenset[Ref]  # chains (re)written with rules
    flushed_stale: frozenset[Ref]
    deleted_chains: frozenset[Ref]
    tables: frozenset[str]  # the tables the transaction changes
    deleted_sets: frozenset[Ref] = frozenset()

    @property
    def stale_pending(self) -> bool:
        """Stale chains or sets remain to be deleted by a later sync."""
        return bool(self.applied.stale or self.applied.stale_sets)


# --------------------------------------------------------------------------- entry point


def plan(state: ProxyState, node: NodeConfig, previous: Applied,
         changed: Set[ServicePortName] | None, *, now: float,
         kernel: KernelState | None = None,
         tables: layout.Tables = layout.TABLES) -> Transaction:
    """The transaction that takes the tables from ``previous`` to ``state``.

    ``now`` (seconds, any monotonic scale) only times stale-object deletion. A full sync
    trusts ``kernel`` (a listing) for what exists; without one, what ``previous`` says.
    """
    if changed is None:
        if kernel is None:
            kernel = _believed(previous)
        return _full(state, node, previous, now=now, kernel=kernel, tables=tables)
    return _partial(state, node, previous, changed, now=now, tables=tables)


def _believed(previous: Applied) -> KernelState:
    """What the tables hold if nobody else changed them since ``previous``."""
    plans = previous.plans.values()
    return KernelState(
        frozenset(),
        frozenset(previous.stale) | {c.ref for p in plans for c in p.chains},
        {**{r: t for r, (_, t) in previous.stale_sets.items()},
         **{(p.table, n): t for p in plans for n, t in p.affinity_sets}})


def _plans_for(spns: Iterable[ServicePortName], state: ProxyState, node: NodeConfig,
               tables: layout.Tables) -> dict[ServicePortName, ServicePlan | None]:
    out: dict[ServicePortName, ServicePlan | None] = {}
    for spn in spns:
        info = state.services.get(spn)
        out[spn] = (plan_service(info, state.endpoints.get(spn, ()), node, tables)
                    if info else None)
    return out


# --------------------------------------------------------------------------- full sync


@dataclass(frozen=True)
class _Fixed:
    """One chain of the skeleton."""

    table: str
    name: str
    spec: str
    rules: tuple[str, ...]

    @property
    def ref(self) -> Ref:
        return self.table, self.name


def _skeleton(node: NodeConfig, tables: layout.Tables) -> list[_Fixed]:
    out = [_Fixed(tables.main, b.name, b.spec(), b.rules) for b in layout.MAIN_BASE_CHAINS]
    out += [_Fixed(tables.main, n, "", r) for n, r in layout.main_chains(node, tables).items()]
    for shard in tables.shard_names:
        out += [_Fixed(shard, b.name, b.spec(), b.rules) for b in layout.SHARD_BASE_CHAINS]
        out += [_Fixed(shard, n, "", r) for n, r in layout.shard_chains().items()]
    return out


def _containers(tables: layout.Tables) -> list[tuple[str, layout.Container]]:
    return [*((tables.main, c) for c in layout.main_containers(tables)),
            *((s, c) for s in tables.shard_names for c in layout.SHARD_CONTAINERS)]


def _full(state: ProxyState, node: NodeConfig, previous: Applied, *, now: float,
          kernel: KernelState, tables: layout.Tables) -> Transaction:
    plans = {spn: p for spn, p in _plans_for(state.services, state, node, tables).items()
             if p is not None}
    w = _Writer()
    for t in tables.all:
        w.line(f'add table ip {t} {{ comment "rules for tinykube" ; }}')
    skeleton = _skeleton(node, tables)
    for f in skeleton:
        w.add_chain(f.ref, f.spec)
    containers = _containers(tables)
    for t, c in containers:
        w.line(f"add {c.kind} ip {t} {c.name} {c.spec()}")
        w.line(f"flush {c.kind} ip {t} {c.name}")
    active = {c.ref: c for p in plans.values() for c in p.chains}
    for ref in active:
        w.add_chain(ref)
    fixed = {f.ref for f in skeleton}
    for ref in [*(f.ref for f in skeleton), *active]:
        w.flush_chain(ref)
    ours = set(tables.all)
    found = {r for r in kernel.chains if r[0] in ours}
    stale, flushed = _retire(found - set(active) - fixed, previous.stale, now, w)
    deleted = _due(stale, now)

    affinity = {(p.table, n): t for p in plans.values() for n, t in p.affinity_sets}
    layout_sets = {(t, c.name) for t, c in containers}
    gone_sets = {ref for ref, timeout in kernel.sets.items()  # also an older layout's
                 if ref[0] in ours and ref not in layout_sets and affinity.get(ref) != timeout}
    for ref in sorted(gone_sets):
        w.delete_set(ref)
    for ref, timeout in affinity.items():
        w.add_set(ref, timeout)

    for f in skeleton:
        w.rules(f.ref, f.rules)
    for chain in active.values():
        w.rules(chain.ref, chain.rules)

    owners = _owners_of(plans)
    node_elements = [(t, s, k, v) for t, c in containers
                     for s, k, v in layout.fixed_elements(node) if c.name == s]
    adds = [(t, c, k, v) for (c, k), o in owners.items() for t, v in [_value(o)]]
    w.add_elements([*node_elements, *adds])
    contents: dict[Ref, dict[str, str]] = {}
    for table, name, key, value in [*node_elements, *adds]:
        contents.setdefault((table, name), {})[key] = value
    w.delete_chains(deleted)
    gone = {t for t in kernel.tables - ours if t.startswith(f"{tables.main}-")}
    for t in sorted(gone):  # shards of a layout with another shard count
        w.line(f"delete table ip {t}")
    stale = {r: since for r, since in stale.items() if r not in deleted}
    return Transaction(w.text(), Applied(plans, owners, stale, contents=contents), True,
                       frozenset(active) | frozenset(fixed), flushed, deleted,
                       frozenset(tables.all) | gone, frozenset(gone_sets))


def _owners_of(plans: Mapping[ServicePortName, ServicePlan]) -> dict[ElementKey, Owners]:
    owners: dict[ElementKey, dict[ServicePortName, Placed]] = {}
    for spn in sorted(plans):
        for t, c, k, v in plans[spn].elements:
            owners.setdefault((c, k), {})[spn] = (t, v)
    return dict(owners)


def _value(owners: Owners) -> Placed:
    """The effective element: the first owner's, by name (deterministic)."""
    return owners[min(owners)]


def _retire(unused: Set[Ref], stale_before: Mapping[Ref, float], now: float,
            w: _Writer) -> tuple[dict[Ref, float], frozenset[Ref]]:
    """Flush newly unused chains; the new stale map (chains in use again leave it)."""
    stale: dict[Ref, float] = {}
    flushed = set()
    for ref in sorted(unused):
        since = stale_before.get(ref)
        if since is None:
            w.flush_chain(ref)
            since = now
            flushed.add(ref)
        stale[ref] = since
    return stale, frozenset(flushed)


def _due(stale: Mapping[Ref, float], now: float) -> frozenset[Ref]:
    return frozenset(r for r, since in stale.items() if now - since >= STALE_DELAY)


# --------------------------------------------------------------------------- partial sync


def _partial(state: ProxyState, node: NodeConfig, previous: Applied,
             changed: Set[ServicePortName], *, now: float,
             tables: layout.Tables) -> Transaction:
    w = _Writer()
    new_plans = _plans_for(sorted(changed), state, node, tables)
    old_plans = {spn: previous.plans.get(spn) for spn in new_plans}
    old_chains = {c.ref for p in old_plans.values() if p for c in p.chains}
    chains: list[Chain] = [c for p in new_plans.values() if p for c in p.chains]
    active = {c.ref for c in chains}

    may_exist = old_chains | set(previous.stale)
    for c in chains:
        w.add_chain(c.ref)
    for c in chains:
        if c.ref in may_exist:
            w.flush_chain(c.ref)
    unused = (old_chains - active) | (set(previous.stale) - active)
    stale, flushed = _retire(unused, previous.stale, now, w)

    owners, deletes, adds = _diff_elements(previous.owners, old_plans, new_plans)
    contents, refill = _contents_after(previous.contents, deletes, adds)
    kinds = {(t, c.name): c.kind for t, c in _containers(tables)}
    for ref in sorted(refill):
        w.flush_set(ref, kinds[ref])
    stale_sets = _diff_affinity(old_plans, new_plans, previous.stale_sets, now, w)
    for c in chains:
        w.rules(c.ref, c.rules)
    w.add_elements([*(e for e in adds if e[:2] not in refill),
                       *((t, c, k, v) for t, c in sorted(refill)
                         for k, v in contents[t, c].items())])

    deleted, deleted_sets = _due(stale, now), _due(
        {r: since for r, (since, _) in stale_sets.items()}, now)
    waited = [now - stale[r] for r in deleted] + [now - stale_sets[r][0] for r in deleted_sets]
    if waited and (w.empty or max(waited) >= STALE_MAX):
        w.delete_chains(deleted)
        for ref in sorted(deleted_sets):
            w.delete_set(ref)
        stale = {r: since for r, since in stale.items() if r not in deleted}
        stale_sets = {r: v for r, v in stale_sets.items() if r not in deleted_sets}
    else:
        deleted, deleted_sets = frozenset(), frozenset()

    plans = dict(previous.plans)
    for spn, p in new_plans.items():
        if p is None:
            plans.pop(spn, None)
        else:
            plans[spn] = p
    touched = w.tables or {tables.main}
    text = "".join(f"add table ip {t}\n" for t in sorted(touched)) + w.text()
    return Transaction(text, Applied(plans, owners, stale, stale_sets, contents), False,
                       frozenset(active), flushed, deleted, frozenset(w.tables), deleted_sets)


def _diff_elements(before: Mapping[ElementKey, Owners],
                   old_plans: Mapping[ServicePortName, ServicePlan | None],
                   new_plans: Mapping[ServicePortName, ServicePlan | None],
                   ) -> tuple[dict[ElementKey, Owners], list[Element], list[Element]]:
    """New ownership, and the element deletes and adds that take the kernel there."""
    owners = dict(before)
    touched: dict[ElementKey, dict[ServicePortName, Placed]] = {}

    def bucket(key: ElementKey) -> dict[ServicePortName, Placed]:
        if key not in touched:
            touched[key] = dict(owners.get(key, {}))
        return touched[key]

    for spn, p in old_plans.items():
        for _, c, k, _ in p.elements if p else ():
            bucket((c, k)).pop(spn, None)
    for spn, p in new_plans.items():
        for t, c, k, v in p.elements if p else ():
            bucket((c, k))[spn] = (t, v)
    deletes: list[Element] = []
    adds: list[Element] = []
    for key in sorted(touched):
        was = _value(before[key]) if before.get(key) else None
        now_owners = touched[key]
        will = _value(now_owners) if now_owners else None
        if now_owners:
            owners[key] = now_owners
        else:
            owners.pop(key, None)
        if was == will:
            continue
        if was is not None:
            deletes.append((was[0], *key, was[1]))
        if will is not None:
            adds.append((will[0], *key, will[1]))
    return owners, deletes, adds


def _contents_after(before: Contents, deletes: Iterable[Element], adds: Iterable[Element]
                    ) -> tuple[dict[Ref, Mapping[str, str]], frozenset[Ref]]:
    """What the containers hold once ``deletes`` and ``adds`` are done, and the containers
    that lose an element: they are flushed and their remaining elements added back.
    Only the containers touched are copied."""
    contents = dict(before)
    touched: dict[Ref, dict[str, str]] = {}

    def held(ref: Ref) -> dict[str, str]:
        if ref not in touched:
            touched[ref] = dict(contents.get(ref, {}))
        return touched[ref]

    for t, c, k, _ in deletes:
        held((t, c)).pop(k, None)
    for t, c, k, v in adds:
        held((t, c))[k] = v
    contents.update(touched)
    return contents, frozenset((t, c) for t, c, _, _ in deletes)


def _diff_affinity(old_plans: Mapping[ServicePortName, ServicePlan | None],
                   new_plans: Mapping[ServicePortName, ServicePlan | None],
                   stale_before: Mapping[Ref, tuple[float, int]], now: float,
                   w: _Writer) -> dict[Ref, tuple[float, int]]:
    """Affinity sets of endpoints that went away are flushed and become stale; a set
    wanted again is taken back as it is (empty) if its timeout is the same, re-created
    otherwise. The new stale map."""
    old = {(p.table, n): t for p in old_plans.values() if p for n, t in p.affinity_sets}
    new = {(p.table, n): t for p in new_plans.values() if p for n, t in p.affinity_sets}
    stale = dict(stale_before)
    for ref, timeout in old.items():
        if ref not in new:
            w.flush_set(ref)
            stale[ref] = (now, timeout)
        elif new[ref] != timeout:
            w.delete_set(ref)
    for ref, timeout in new.items():
        was = stale.pop(ref, None)
        if was is not None and was[1] != timeout:
            w.delete_set(ref)
        if old.get(ref, was[1] if was else None) != timeout:
            w.add_set(ref, timeout)
    return stale


# --------------------------------------------------------------------------- text


class _Writer:
    """Accumulates ``nft -f`` commands, and the tables they change."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self.tables: set[str] = set()

    def line(self, text: str) -> None:
        self._lines.append(text)

    def _on(self, table: str) -> str:
        self.tables.add(table)
        return table

    def add_chain(self, ref: Ref, spec: str = "") -> None:
        self.line(f"add chain ip {self._on(ref[0])} {ref[1]}" + (f" {spec}" if spec else ""))

    def flush_chain(self, ref: Ref) -> None:
        self.line(f"flush chain ip {self._on(ref[0])} {ref[1]}")

    def add_set(self, ref: Ref, timeout: int) -> None:
        self.line(f"add set ip {self._on(ref[0])} {ref[1]} {{ type ipv4_addr ; "
                  f"flags dynamic,timeout ; timeout {timeout}s ; }}")

    def delete_set(self, ref: Ref) -> None:
        self.line(f"delete set ip {self._on(ref[0])} {ref[1]}")

    def flush_set(self, ref: Ref, kind: str = "set") -> None:
        self.line(f"flush {kind} ip {self._on(ref[0])} {ref[1]}")

    def rules(self, ref: Ref, rules: Iterable[str]) -> None:
        table, chain = self._on(ref[0]), ref[1]
        self._lines.extend(f"add rule ip {table} {chain} {r}" for r in rules)

    def add_elements(self, elements: Iterable[Element]) -> None:
        by_container: dict[Ref, list[str]] = {}
        for t, c, k, v in elements:
            by_container.setdefault((t, c), []).append(f"{k} : {v}" if v else k)
        for (t, c), items in by_container.items():
            self.line(f"add element ip {self._on(t)} {c} {{ {', '.join(items)} }}")

    def delete_chains(self, chains: Iterable[Ref]) -> None:
        for t, n in sorted(chains):
            self.line(f"delete chain ip {self._on(t)} {n}")

    @property
    def empty(self) -> bool:
        return not self._lines

    def text(self) -> str:
        return "\n".join(self._lines) + "\n" if self._lines else ""
