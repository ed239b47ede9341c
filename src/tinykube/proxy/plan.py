"""Plan one atomic nft transaction from the desired state and what was applied before.

Pure: no I/O, no clock. The input is the proxy's maps (service ports and endpoints), the
node, the ``Applied`` state of the previous successful sync and the set of service ports
that changed since (``None`` for a full sync); the output is the text for ``nft -f -`` and
the ``Applied`` state the table will be in once that text has been committed.

As in kube-proxy's nftables ``syncProxyRules``:

- a **full sync** (first sync, after a failed transaction, periodically) re-creates the
  skeleton, flushes every fixed set and map, rewrites every service chain and re-adds
  every element; chains found in the kernel (``KernelState``) that nothing uses are
  flushed, affinity sets nothing uses are deleted;
- a **partial sync** rewrites only the chains of changed service ports and sends only
  the map/set elements that were added, changed or removed, computed against the
  in-memory copy of what was applied, so its size grows with the change, not the table;
- a chain that is no longer used is flushed at once and deleted by a later sync at least
  ``STALE_DELAY`` seconds after (map elements may still reference it on older kernels);
- element ownership is counted: a key written by two service ports (every port of a
  Service adds its ClusterIP to ``cluster-ips``) stays until its last owner goes.

Commands are ordered so each one only references objects that exist at that point: new
chains, then flushes, element deletes, set deletes/creates, rules, element adds, and
finally deletes of long-stale chains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from tinykube.proxy import layout, names
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.serviceplan import ServicePlan, plan_service

STALE_DELAY = 1.0
TABLE = "tinykube"

ElementKey = tuple[str, str]  # (set or map, key)
Owners = Mapping[ServicePortName, str]  # owner -> value


@dataclass(frozen=True)
class KernelState:
    """Names found by listing the table before a full sync."""

    chains: frozenset[str] = frozenset()
    sets: Mapping[str, int] = field(default_factory=dict)  # affinity set -> timeout


@dataclass(frozen=True)
class Applied:
    """What the table holds after a committed transaction, as far as we wrote it."""

    plans: Mapping[ServicePortName, ServicePlan] = field(default_factory=dict)
    owners: Mapping[ElementKey, Owners] = field(default_factory=dict)
    stale: Mapping[str, float] = field(default_factory=dict)  # chain -> when flushed


EMPTY = Applied()


@dataclass(frozen=True)
class Transaction:
    text: str
    applied: Applied
    full: bool
    rewritten: frozenset[str]  # chains (re)written with rules
    flushed_stale: frozenset[str]
    deleted_chains: frozenset[str]

    @property
    def stale_pending(self) -> bool:
        """Stale chains remain to be deleted by a later sync."""
        return bool(self.applied.stale)


# --------------------------------------------------------------------------- entry point


def plan(state: ProxyState, node: NodeConfig, previous: Applied,
         changed: Set[ServicePortName] | None, *, now: float,
         kernel: KernelState | None = None, table: str = TABLE) -> Transaction:
    """The transaction that takes the table from ``previous`` to ``state``.

    ``now`` (seconds, any monotonic scale) only times stale-chain deletion.
    """
    if changed is None:
        return _full(state, node, previous, now=now, kernel=kernel or KernelState(),
                     table=table)
    return _partial(state, node, previous, changed, now=now, table=table)


def _plans_for(spns: Iterable[ServicePortName], state: ProxyState,
               node: NodeConfig) -> dict[ServicePortName, ServicePlan | None]:
    out: dict[ServicePortName, ServicePlan | None] = {}
    for spn in spns:
        info = state.services.get(spn)
        out[spn] = plan_service(info, state.endpoints.get(spn, ()), node) if info else None
    return out


# --------------------------------------------------------------------------- full sync


def _full(state: ProxyState, node: NodeConfig, previous: Applied, *, now: float,
          kernel: KernelState, table: str) -> Transaction:
    plans = {spn: p for spn, p in _plans_for(state.services, state, node).items()
             if p is not None}
    w = _Writer(table)
    w.line(f'add table ip {table} {{ comment "rules for tinykube" ; }}')
    fixed = layout.fixed_chains(node)
    for base in layout.BASE_CHAINS:
        w.add_chain(base.name, base.spec())
    for name in fixed:
        w.add_chain(name)
    for c in layout.CONTAINERS:
        w.line(f"add {c.kind} ip {table} {c.name} {c.spec()}")
        w.line(f"flush {c.kind} ip {table} {c.name}")
    active = {c.name: c for p in plans.values() for c in p.chains}
    for name in active:
        w.add_chain(name)
    skeleton = [b.name for b in layout.BASE_CHAINS] + list(fixed)
    for name in [*skeleton, *active]:
        w.flush_chain(name)
    unused = (set(kernel.chains) | set(previous.stale)) - set(active) - set(skeleton)
    stale, flushed, deleted = _stale_chains(unused, previous.stale, now, w)

    affinity = {n: t for p in plans.values() for n, t in p.affinity_sets}
    for name, timeout in kernel.sets.items():
        if names.is_affinity_set(name) and affinity.get(name) != timeout:
            w.line(f"delete set ip {table} {name}")
    for name, timeout in affinity.items():
        w.add_set(name, timeout)

    for base in layout.BASE_CHAINS:
        w.rules(base.name, base.rules)
    for name, rules in fixed.items():
        w.rules(name, rules)
    for chain in active.values():
        w.rules(chain.name, chain.rules)

    owners = _owners_of(plans)
    adds = [(c, k, _value(o)) for (c, k), o in owners.items()]
    w.elements("add", [*layout.fixed_elements(node), *adds])
    w.delete_chains(deleted)
    return Transaction(w.text(), Applied(plans, owners, stale), True,
                       frozenset(active) | frozenset(fixed), flushed, deleted)


def _owners_of(plans: Mapping[ServicePortName, ServicePlan]) -> dict[ElementKey, Owners]:
    owners: dict[ElementKey, dict[ServicePortName, str]] = {}
    for spn in sorted(plans):
        for c, k, v in plans[spn].elements:
            owners.setdefault((c, k), {})[spn] = v
    return dict(owners)


def _value(owners: Owners) -> str:
    """The effective value of an element: the first owner's, by name (deterministic)."""
    return owners[min(owners)]


def _stale_chains(unused: Set[str], stale_before: Mapping[str, float], now: float,
                  w: _Writer) -> tuple[dict[str, float], frozenset[str], frozenset[str]]:
    """Flush newly unused chains, delete long-unused ones; the new stale map."""
    stale: dict[str, float] = {}
    flushed, deleted = set(), set()
    for name in sorted(unused):
        since = stale_before.get(name)
        if since is None:
            w.flush_chain(name)
            stale[name] = now
            flushed.add(name)
        elif now - since >= STALE_DELAY:
            deleted.add(name)
        else:
            stale[name] = since
    return stale, frozenset(flushed), frozenset(deleted)


# --------------------------------------------------------------------------- partial sync


def _partial(state: ProxyState, node: NodeConfig, previous: Applied,
             changed: Set[ServicePortName], *, now: float, table: str) -> Transaction:
    w = _Writer(table)
    w.line(f"add table ip {table}")
    new_plans = _plans_for(sorted(changed), state, node)
    old_plans = {spn: previous.plans.get(spn) for spn in new_plans}
    old_chains = {c.name for p in old_plans.values() if p for c in p.chains}
    chains = [c for p in new_plans.values() if p for c in p.chains]
    active_names = {c.name for c in chains}

    may_exist = old_chains | set(previous.stale)
    for c in chains:
        w.add_chain(c.name)
    for c in chains:
        if c.name in may_exist:
            w.flush_chain(c.name)
    unused = (old_chains - active_names) | (set(previous.stale) - active_names)
    stale, flushed, deleted = _stale_chains(unused, previous.stale, now, w)

    owners, deletes, adds = _diff_elements(previous.owners, old_plans, new_plans)
    w.elements("delete", deletes)
    _diff_affinity(old_plans, new_plans, w)
    for c in chains:
        w.rules(c.name, c.rules)
    w.elements("add", adds)
    w.delete_chains(deleted)

    plans = dict(previous.plans)
    for spn, p in new_plans.items():
        if p is None:
            plans.pop(spn, None)
        else:
            plans[spn] = p
    return Transaction(w.text(), Applied(plans, owners, stale), False,
                       frozenset(active_names), flushed, deleted)


def _diff_elements(before: Mapping[ElementKey, Owners],
                   old_plans: Mapping[ServicePortName, ServicePlan | None],
                   new_plans: Mapping[ServicePortName, ServicePlan | None],
                   ) -> tuple[dict[ElementKey, Owners], list[tuple[str, str, str]],
                              list[tuple[str, str, str]]]:
    """New ownership, and the element deletes and adds that take the kernel there."""
    owners = dict(before)
    touched: dict[ElementKey, dict[ServicePortName, str]] = {}

    def bucket(key: ElementKey) -> dict[ServicePortName, str]:
        if key not in touched:
            touched[key] = dict(owners.get(key, {}))
        return touched[key]

    for spn, p in old_plans.items():
        for c, k, _ in p.elements if p else ():
            bucket((c, k)).pop(spn, None)
    for spn, p in new_plans.items():
        for c, k, v in p.elements if p else ():
            bucket((c, k))[spn] = v
    deletes, adds = [], []
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
            deletes.append((*key, was))
        if will is not None:
            adds.append((*key, will))
    return owners, deletes, adds


def _diff_affinity(old_plans: Mapping[ServicePortName, ServicePlan | None],
                   new_plans: Mapping[ServicePortName, ServicePlan | None],
                   w: _Writer) -> None:
    old = {n: t for p in old_plans.values() if p for n, t in p.affinity_sets}
    new = {n: t for p in new_plans.values() if p for n, t in p.affinity_sets}
    for name, timeout in old.items():
        if new.get(name) != timeout:
            w.line(f"delete set ip {w.table} {name}")
    for name, timeout in new.items():
        if old.get(name) != timeout:
            w.add_set(name, timeout)


# --------------------------------------------------------------------------- text


class _Writer:
    """Accumulates ``nft -f`` commands for one table."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._lines: list[str] = []

    def line(self, text: str) -> None:
        self._lines.append(text)

    def add_chain(self, name: str, spec: str = "") -> None:
        self.line(f"add chain ip {self.table} {name}" + (f" {spec}" if spec else ""))

    def flush_chain(self, name: str) -> None:
        self.line(f"flush chain ip {self.table} {name}")

    def add_set(self, name: str, timeout: int) -> None:
        self.line(f"add set ip {self.table} {name} {{ type ipv4_addr ; "
                  f"flags dynamic,timeout ; timeout {timeout}s ; }}")

    def rules(self, chain: str, rules: Iterable[str]) -> None:
        self._lines.extend(f"add rule ip {self.table} {chain} {r}" for r in rules)

    def elements(self, op: str, elements: Iterable[tuple[str, str, str]]) -> None:
        by_container: dict[str, list[str]] = {}
        for c, k, v in elements:
            by_container.setdefault(c, []).append(f"{k} : {v}" if v and op == "add" else k)
        for c, items in by_container.items():
            self.line(f"{op} element ip {self.table} {c} {{ {', '.join(items)} }}")

    def delete_chains(self, chains: Iterable[str]) -> None:
        self._lines.extend(f"delete chain ip {self.table} {n}" for n in sorted(chains))

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
