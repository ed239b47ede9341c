"""The zone index: object changes in, compiled answers out.

The informer calls ``upsert_*``/``delete_*`` with the API's plain objects. Each change is
mapped to the few *units* it touches — one Service (with its slices), one pod address,
one reverse address, one namespace, the apex — and only those units are recompiled: their
names are rebuilt by the pure rules, compared with what they were, and the ones that
differ are rendered again into ``names``, the dictionary the query fast path reads.

``names`` holds every name that exists in the normal spelling. Anything else (a miss) is
resolved on demand by ``miss``: aliases (``http.tcp.<svc>``, another spelling of a pod
address), negative answers, or ``None`` for names the server must forward. Those are
memoised until the next change.

Every change holds ``lock`` and moves ``version`` on when any answer may differ, so a
server thread outside the event loop can compute answers under the lock and keep the
responses it built until the version moves; ``changed_since`` then tells which names of
``names`` changed (everything else resolved through ``miss`` may have changed too).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from tinykube.api.meta import Obj
from tinykube.dns import apex, names, pods, render, reverse, rules, wire
from tinykube.dns.config import Config
from tinykube.dns.names import IPAddress, Name
from tinykube.dns.node import Node, Reply
from tinykube.dns.records import (
    Pod,
    Service,
    Slice,
    namespace_from_obj,
    pod_from_obj,
    service_from_obj,
    slice_from_obj,
)
from tinykube.dns.render import NameEntry

log = logging.getLogger(__name__)

Key = tuple[str, str]
Unit = tuple[str, ...]  # ("svc", ns, name) | ("ptr", ip) | ("pod", ns, ip) | ("ns", ns) | ("apex",)

MAX_MISSES = 10_000
CHANGE_LOG = 4096  # (version, wire name) entries kept for ``changed_since``
APEX: Unit = ("apex",)


T = TypeVar("T")


def _exclusive(method: Callable[[Zone, T], None]) -> Callable[[Zone, T], None]:
    """A change runs under the zone's lock (readers on other threads take it too)."""
    @functools.wraps(method)
    def locked(self: Zone, arg: T) -> None:
        with self.lock:
            method(self, arg)
    return locked


def _key(obj: Obj) -> Key:
    md = obj.get("metadata") or {}
    return (str(md.get("namespace") or ""), str(md.get("name") or ""))


class Zone:
    """Compiled answers for one cluster zone (and the reverse zones), kept up to date."""

    def __init__(self, cfg: Config, *, track_namespaces: bool = False,
                 synced: bool = True) -> None:
        self.cfg = cfg
        # Before the informers have synced, NXDOMAIN is answered as SERVFAIL (R29).
        self.synced = synced
        self.lock = threading.Lock()
        self.version = 0  # moves on whenever an answer may have changed
        # What each version changed in ``names``; None: anything may have (set_synced).
        self._changes: deque[tuple[int, bytes | None]] = deque()
        self._forgotten = 0  # the changes of this version and before may be incomplete
        # The hot path: lowercase wire qname -> {qtype: Compiled, DEFAULT: Compiled}.
        self.names: dict[bytes, NameEntry] = {}
        self._misses: dict[bytes, NameEntry] = {}
        self._nodes: dict[Name, Node] = {}
        self._owned: dict[Unit, set[Name]] = {}
        self._services: dict[Key, Service] = {}
        self._slices: dict[Key, Slice] = {}
        self._slices_of: dict[Key, set[Key]] = {}
        self._pods: dict[Key, Pod] = {}
        self._pods_at: dict[tuple[str, IPAddress], set[Key]] = {}
        self._track_namespaces = track_namespaces
        self._namespaces: set[str] = set()
        self._ns_users: dict[str, int] = {}
        self._ptr_sources: dict[Key, dict[IPAddress, reverse.Source]] = {}
        self._ptr_refs: dict[IPAddress, set[Key]] = {}
        self._ns_servers: dict[Key, list[apex.NameServer]] = {}
        self._chasers: dict[Unit, set[Key]] = {}
        self._chase_of: dict[Key, Unit] = {}
        self._install(APEX, apex.fixed_nodes(cfg, []))

    # ------------------------------------------------------------------ changes

    @_exclusive
    def upsert_service(self, obj: Obj) -> None:
        svc = service_from_obj(obj)
        old = self._services.get(svc.key)
        if old == svc:
            return
        self._services[svc.key] = svc
        if old is None:
            self._use_namespace(svc.namespace, +1)
        self._service_changed(svc.key)

    @_exclusive
    def delete_service(self, obj: Obj) -> None:
        key = _key(obj)
        if self._services.pop(key, None) is not None:
            self._service_changed(key)
            self._use_namespace(key[0], -1)

    @_exclusive
    def upsert_slice(self, obj: Obj) -> None:
        sl = slice_from_obj(obj)
        old = self._slices.get(sl.key)
        if old == sl:
            return
        self._slices[sl.key] = sl
        if old is not None and old.service_key != sl.service_key:
            self._slices_of.get(old.service_key, set()).discard(sl.key)
            self._service_changed(old.service_key)
        self._slices_of.setdefault(sl.service_key, set()).add(sl.key)
        self._service_changed(sl.service_key)

    @_exclusive
    def delete_slice(self, obj: Obj) -> None:
        old = self._slices.pop(_key(obj), None)
        if old is not None:
            self._slices_of.get(old.service_key, set()).discard(old.key)
            self._service_changed(old.service_key)

    @_exclusive
    def upsert_pod(self, obj: Obj) -> None:
        pod = pod_from_obj(obj)
        old = self._pods.get(pod.key)
        if old == pod:
            return
        self._pods[pod.key] = pod
        if old is None:
            self._use_namespace(pod.namespace, +1)
        self._pod_moved(old, pod)

    @_exclusive
    def delete_pod(self, obj: Obj) -> None:
        old = self._pods.pop(_key(obj), None)
        if old is not None:
            self._pod_moved(old, None)
            self._use_namespace(old.namespace, -1)

    @_exclusive
    def upsert_namespace(self, obj: Obj) -> None:
        name = namespace_from_obj(obj)
        if self._track_namespaces and name not in self._namespaces:
            self._namespaces.add(name)
            self._namespace_changed(name)

    @_exclusive
    def delete_namespace(self, obj: Obj) -> None:
        name = namespace_from_obj(obj)
        if self._track_namespaces and name in self._namespaces:
            self._namespaces.discard(name)
            self._namespace_changed(name)

    @_exclusive
    def set_synced(self, synced: bool) -> None:
        self.synced = synced
        self.version += 1
        self._log(None)

    # ------------------------------------------------------------------ lookups

    def changed_since(self, version: int) -> set[bytes] | None:
        """The keys of ``names`` whose answers changed (or went) after ``version``; None
        when that is not known any more. Call it holding ``lock``."""
        if version >= self.version:
            return set()
        if version < self._forgotten:
            return None
        changed: set[bytes] = set()
        for at, key in reversed(self._changes):
            if at <= version:
                break
            if key is None:
                return None
            changed.add(key)
        return changed

    def miss(self, qname: bytes) -> NameEntry | None:
        """The answers for a lowercase wire name not in ``names``; None: forward it."""
        entry = self._misses.get(qname)
        if entry is not None:
            return entry
        name = names.from_wire(qname)
        node = self._node_for(name)
        if node is None:
            return None
        entry = render.compile_node(name, node)
        if len(self._misses) >= MAX_MISSES:
            self._misses.clear()
        self._misses[qname] = entry
        return entry

    def node(self, name: Name) -> Node | None:
        """What a name answers (None: not in our zones); for tests and chasing."""
        return self._node_for(name)

    def _node_for(self, name: Name) -> Node | None:
        node = self._nodes.get(name)
        if node is not None:
            return node
        cfg = self.cfg
        if names.is_under(name, cfg.zone):
            rel = name[: len(name) - len(cfg.zone)]
            return self._alias(rel) or apex.missing(cfg.zone, cfg)
        return None  # reverse names without a PTR fall through, like everything else

    def _alias(self, rel: Name) -> Node | None:
        """Names that exist but are not compiled: R2.6 port spellings, pod addresses."""
        if len(rel) == 5 and rel[-1] == b"svc":
            port = (b"_" + names.strip_underscore(rel[0]), b"_" + names.strip_underscore(rel[1]))
            return self._nodes.get(port + rel[2:] + self.cfg.zone)
        decoded = pods.decode(rel)
        if decoded is None or self.cfg.pods == "disabled":
            return None
        namespace, address = decoded
        if not self._namespace_exists(namespace):
            return None
        if self.cfg.pods == "verified" and not self._pods_at.get((namespace, address)):
            return None
        return pods.pod_node(address, self.cfg)

    def _resolve(self, name: Name, qtype: int, depth: int) -> Reply | None:
        if not names.is_under(name, self.cfg.zone):
            return None
        node = self._node_for(name)
        return None if node is None else node.reply(qtype)

    def _log(self, key: bytes | None) -> None:
        if len(self._changes) >= CHANGE_LOG:
            self._forgotten = self._changes.popleft()[0]
        self._changes.append((self.version, key))

    # ------------------------------------------------------------------ units

    def _install(self, unit: Unit, nodes: dict[Name, Node]) -> bool:
        """Replace a unit's names; render only those that changed. True if any did."""
        old = self._owned.pop(unit, set())
        changed: list[bytes] = []
        for name in old - nodes.keys():
            del self._nodes[name]
            key = names.to_wire(name)
            self.names.pop(key, None)
            changed.append(key)
        for name, node in nodes.items():
            before = self._nodes.get(name)
            if before is node or before == node:
                continue
            self._nodes[name] = node
            key = names.to_wire(name)
            self.names[key] = render.compile_node(name, node)
            changed.append(key)
        if nodes:
            self._owned[unit] = set(nodes)
        if changed:
            self._misses.clear()
            self.version += 1
            for key in changed:
                self._log(key)
        return bool(changed)

    def _service_changed(self, key: Key, seen: set[Key] | None = None) -> None:
        seen = set() if seen is None else seen
        if key in seen:
            return
        seen.add(key)
        svc = self._services.get(key)
        cfg = self.cfg
        live = svc is not None and self._namespace_exists(key[0])
        slices = [self._slices[k] for k in self._slices_of.get(key, ())]
        ready = rules.ready_endpoints(slices, cfg) if live else []
        nodes = rules.service_nodes(svc, ready, cfg, self._resolve) if svc and live else {}
        changed = self._install(("svc", *key), nodes)
        if svc is not None and live:
            base = rules.base_name(svc, cfg)
            self._update_ptrs(key, reverse.contributions(svc, base, ready))
            self._update_servers(key, svc, base, ready)
            self._track_chase(key, svc)
        else:
            self._update_ptrs(key, {})
            self._update_servers(key, None, (), [])
            self._track_chase(key, None)
        if changed:
            for chaser in sorted(self._chasers.get(("svc", *key), ())):
                self._service_changed(chaser, seen)

    def _update_ptrs(self, key: Key, sources: dict[IPAddress, reverse.Source]) -> None:
        if not self.cfg.reverse:
            return
        old = self._ptr_sources.pop(key, {})
        if sources:
            self._ptr_sources[key] = sources
        for address in old.keys() | sources.keys():
            if old.get(address) == sources.get(address):
                continue
            refs = self._ptr_refs.setdefault(address, set())
            if address in sources:
                refs.add(key)
            else:
                refs.discard(key)
            if not refs:
                del self._ptr_refs[address]
            self._ptr_changed(address)

    def _ptr_changed(self, address: IPAddress) -> None:
        owners = sorted(self._ptr_refs.get(address, ()))
        hosts = reverse.targets(self._ptr_sources[k][address] for k in owners)
        node = reverse.ptr_node(address, hosts, self.cfg)
        nodes = {} if node is None else {names.reverse(address): node}
        self._install(("ptr", str(address)), nodes)

    def _update_servers(self, key: Key, svc: Service | None, base: Name,
                        ready: list[rules.Ready]) -> None:
        """R7: the apex NS names the Services whose ready endpoints include our address."""
        own = set(self.cfg.ns_addresses)
        servers: list[apex.NameServer] = []
        if svc is not None and own:
            mine = [r for r in ready if r.address in own]
            if mine and svc.headless:
                servers = [((r.label, *base), (r.address,)) for r in mine]
            elif mine:
                servers = [(base, svc.cluster_ips)]
        if self._ns_servers.get(key, []) == servers:
            return
        if servers:
            self._ns_servers[key] = servers
        else:
            self._ns_servers.pop(key, None)
        listed = [s for k in sorted(self._ns_servers) for s in self._ns_servers[k]]
        self._install(APEX, apex.fixed_nodes(self.cfg, listed))

    def _track_chase(self, key: Key, svc: Service | None) -> None:
        old = self._chase_of.pop(key, None)
        if old is not None:
            self._chasers.get(old, set()).discard(key)
        target = rules.external_target(svc) if svc is not None and svc.external_name else None
        unit = self._unit_of(target) if target is not None else None
        if unit is not None:
            self._chase_of[key] = unit
            self._chasers.setdefault(unit, set()).add(key)

    def _unit_of(self, name: Name) -> Unit | None:
        """The unit whose changes can change what an in-zone name answers."""
        if not names.is_under(name, self.cfg.zone):
            return None
        rel = name[: len(name) - len(self.cfg.zone)]
        if len(rel) >= 3 and rel[-1] == b"svc":
            return ("svc", rel[-2].decode("ascii", "replace"), rel[-3].decode("ascii", "replace"))
        if len(rel) >= 3 and rel[-1] == b"pod":
            return ("pods", rel[-2].decode("ascii", "replace"))
        return None

    def _pod_moved(self, old: Pod | None, new: Pod | None) -> None:
        for pod, delta in ((old, -1), (new, +1)):
            if pod is None or pod.ip is None or not pod.active:
                continue
            at = self._pods_at.setdefault((pod.namespace, pod.ip), set())
            if delta > 0:
                at.add(pod.key)
            else:
                at.discard(pod.key)
                if not at:
                    del self._pods_at[(pod.namespace, pod.ip)]
        touched = {(p.namespace, p.ip) for p in (old, new) if p is not None and p.ip is not None}
        changed = False
        for namespace, address in touched:
            changed |= self._pod_address_changed(namespace, address)
        if changed:
            for ns in {namespace for namespace, _ in touched}:
                for chaser in sorted(self._chasers.get(("pods", ns), ())):
                    self._service_changed(chaser)

    def _pod_address_changed(self, namespace: str, address: IPAddress) -> bool:
        cfg = self.cfg
        nodes = {}
        if (cfg.pods == "verified" and self._pods_at.get((namespace, address))
                and self._namespace_exists(namespace)):
            nodes = {pods.pod_name(namespace, address, cfg): pods.pod_node(address, cfg)}
        return self._install(("pod", namespace, str(address)), nodes)

    # ------------------------------------------------------------------ namespaces

    def _namespace_exists(self, namespace: str) -> bool:
        if self._track_namespaces:
            return namespace in self._namespaces
        return self._ns_users.get(namespace, 0) > 0

    def _use_namespace(self, namespace: str, delta: int) -> None:
        """Without Namespace objects, a namespace exists while something lives in it."""
        before = self._ns_users.get(namespace, 0) > 0
        count = self._ns_users.get(namespace, 0) + delta
        if count > 0:
            self._ns_users[namespace] = count
        else:
            self._ns_users.pop(namespace, None)
        if not self._track_namespaces and before != (count > 0):
            self._namespace_changed(namespace)

    def _namespace_changed(self, namespace: str) -> None:
        exists = self._namespace_exists(namespace)
        nodes = apex.namespace_nodes(namespace, self.cfg) if exists else {}
        self._install(("ns", namespace), {n: v for n, v in nodes.items() if names.valid(n)})
        for key in sorted(k for k in self._services if k[0] == namespace):
            self._service_changed(key)
        for ns, address in sorted((k for k in self._pods_at if k[0] == namespace), key=str):
            self._pod_address_changed(ns, address)

    # ------------------------------------------------------------------ views

    def services(self) -> Iterable[Service]:
        return self._services.values()

    def dump(self) -> dict[str, list[str]]:
        """Every compiled name with the query types it answers (debugging aid)."""
        return {
            names.to_text(names.from_wire(q)): sorted(wire.TYPE_NAMES.get(t, str(t))
                                                     for t in entry if t >= 0)
            for q, entry in sorted(self.names.items())
        }
