"""The Endpoints controller: one core/v1 Endpoints per Service with a selector.

For a Service with a selector (and not ExternalName) it keeps an Endpoints object of the
same name whose subsets list the selected pods (``endpoints_controller.go``):

- ready pods under ``addresses``, the others under ``notReadyAddresses`` (all under
  ``addresses`` with ``publishNotReadyAddresses``); terminating pods are dropped unless
  the Service publishes not-ready addresses; pods without an IP of the Service's primary
  family, or finished, are left out;
- each address has ``ip``, ``nodeName``, ``targetRef`` and, when the pod's subdomain is
  this Service, ``hostname``;
- ports are resolved per pod (a named ``targetPort`` by name and protocol); a pod without
  the port is left out of it, and pods that resolve differently land in different subsets,
  repacked as ``RepackSubsets`` does and sorted, so equal inputs give equal objects;
- at most 1000 addresses, ready ones kept first, with the annotation
  ``endpoints.kubernetes.io/over-capacity: truncated``;
- labels are the Service's, plus ``service.kubernetes.io/headless`` for headless Services
  and ``endpoints.kubernetes.io/managed-by: endpoint-controller``.

It writes only when the computed object differs from the stored one. Endpoints of
Services without a selector belong to their users and are never touched; when a Service
goes, or loses its selector, its Endpoints go too, but only if this controller made them
(the managed-by label; upstream leaves them behind when the selector goes, and mirroring
would then copy stale addresses).
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Iterable
from typing import Any

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules as rules
from tinykube.controllers import pods as podstate
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.controllers.serviceselectors import ServiceSelectors
from tinykube.errors import AlreadyExists, NotFound, Retry
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
MAX_CAPACITY = 1000

Subset = dict[str, Any]


# --------------------------------------------------------------------------- computing


def address_of(pod: Obj, svc: Obj, ip: str) -> dict[str, Any]:
    return {"ip": ip, **rules.pod_fields(pod, svc)}


def _port_key(port: dict[str, Any]) -> tuple[str, int, str, str]:
    return (str(port.get("name") or ""), port["port"], port["protocol"],
            str(port.get("appProtocol") or ""))


def _endpoints_port(port: dict[str, Any]) -> dict[str, Any]:
    """Endpoints omit an empty port name (``omitempty``); slices keep ``name: ""``."""
    return {k: v for k, v in port.items() if k != "name" or v}


def _addr_key(addr: dict[str, Any]) -> tuple[str, str]:
    return (addr["ip"], str((addr.get("targetRef") or {}).get("uid") or ""))


def subsets_for(svc: Obj, pods: Iterable[Obj]) -> list[Subset]:
    """The repacked, sorted subsets the Service's pods make."""
    tolerate = rules.publishes_not_ready(svc)
    family = rules.families(svc)[0]
    headless_without_ports = rules.is_headless(svc) and not rules.spec(svc).get("ports")
    # port (or None for "no ports") -> address key -> (address, ready)
    by_port: dict[tuple[str, int, str, str] | None, dict[tuple[str, str], tuple[Any, bool]]] = {}
    ports: dict[tuple[str, int, str, str], dict[str, Any]] = {}
    for pod in pods:
        if not rules.should_be_in_endpoints(pod, include_terminating=tolerate):
            continue
        ip = rules.ip_of_family(pod, family)
        if ip is None:
            continue
        addr = address_of(pod, svc, ip)
        ready = tolerate or podstate.is_ready(pod)
        if headless_without_ports:
            by_port.setdefault(None, {})[_addr_key(addr)] = (addr, ready)
            continue
        for port in rules.resolved_ports(svc, pod):
            pk = _port_key(port)
            ports[pk] = _endpoints_port(port)
            by_port.setdefault(pk, {})[_addr_key(addr)] = (addr, ready)
    return repack(by_port, ports)


def repack(by_port: dict[Any, dict[tuple[str, str], tuple[Any, bool]]],
           ports: dict[tuple[str, int, str, str], dict[str, Any]]) -> list[Subset]:
    """Group ports that have the same (address, readiness) set into one subset."""
    groups: dict[tuple[Any, ...], tuple[dict[tuple[str, str], tuple[Any, bool]], list[Any]]] = {}
    for pk, addrs in by_port.items():
        gkey = tuple(sorted((k, ready) for k, (_, ready) in addrs.items()))
        entry = groups.setdefault(gkey, (addrs, []))
        if pk is not None:
            entry[1].append(pk)
    subsets = []
    for addrs, pks in groups.values():
        ordered = [addrs[k] for k in sorted(addrs)]
        subset: Subset = {}
        ready = [a for a, r in ordered if r]
        not_ready = [a for a, r in ordered if not r]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if pks:
            subset["ports"] = [ports[pk] for pk in sorted(pks)]
        subsets.append(subset)
    return sorted(subsets, key=_subset_order)


def _subset_order(subset: Subset) -> tuple[Any, ...]:
    return (tuple(_port_key(p) for p in subset.get("ports", [])),
            tuple(_addr_key(a) for a in subset.get("addresses", [])),
            tuple(_addr_key(a) for a in subset.get("notReadyAddresses", [])))


def truncate(subsets: list[Subset], capacity: int = MAX_CAPACITY) -> bool:
    """Cut ``subsets`` (in place) to ``capacity`` addresses; True if it had to.

    Not-ready addresses go first; each subset keeps a share proportional to its size,
    rounded up (``truncateEndpoints``).
    """
    total_ready = sum(len(s.get("addresses", [])) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses", [])) for s in subsets)
    if total_ready + total_not_ready <= capacity:
        return False
    truncate_ready = total_ready > capacity
    limit = capacity if truncate_ready else capacity - total_ready
    total = total_ready if truncate_ready else total_not_ready
    left = limit
    for s in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        share = min(math.ceil(len(s.get(field, [])) / total * limit), left)
        s[field] = s.get(field, [])[:share]
        if truncate_ready:
            s.pop("notReadyAddresses", None)
        if not s[field]:
            s.pop(field)
        left -= share
    subsets[:] = [s for s in subsets if s.get("addresses") or s.get("notReadyAddresses")]
    return True


def normalised(subsets: Any) -> list[Subset]:
    """Stored subsets without empty lists, to compare with computed ones."""
    return [{k: v for k, v in s.items() if v not in ([], None)}
            for s in subsets or [] if isinstance(s, dict)]


def desired_labels(svc: Obj) -> dict[str, str]:
    out = meta.labels(svc)
    out.pop(rules.HEADLESS_LABEL, None)
    if rules.is_headless(svc):
        out[rules.HEADLESS_LABEL] = ""
    out[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return out


def desired(svc: Obj, pods: Iterable[Obj], current: Obj | None) -> Obj | None:
    """The Endpoints to write for ``svc``, or None when ``current`` already is it."""
    subsets = subsets_for(svc, pods)
    truncated = truncate(subsets)
    labels = desired_labels(svc)
    annotations = meta.annotations_of(current) if current else {}
    annotations.pop(TRIGGER_TIME, None)
    annotations.pop(OVER_CAPACITY, None)
    if truncated:
        annotations[OVER_CAPACITY] = "truncated"
    if current is not None:
        cur_annotations = meta.annotations_of(current)
        cur_annotations.pop(TRIGGER_TIME, None)
        if (normalised(current.get("subsets")) == subsets and meta.labels(current) == labels
                and cur_annotations == annotations):
            return None
        out = copy.deepcopy(current)
    else:
        out = {"apiVersion": "v1", "kind": "Endpoints",
               "metadata": {"name": meta.name(svc), "namespace": meta.namespace(svc)}}
    md = meta.metadata(out)
    md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    else:
        md.pop("annotations", None)
    out["subsets"] = subsets
    return out


def is_managed(ep: Obj) -> bool:
    return meta.labels(ep).get(MANAGED_BY_LABEL) == CONTROLLER_NAME


# --------------------------------------------------------------------------- controller


class EndpointsController(Controller[str]):
    name = "endpoint"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 workers: int = 4, clock: Clock | None = None) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self._services = self.informers.informer(kinds.SERVICE)
        self._pods = self.informers.informer(kinds.POD)
        self._endpoints = self.informers.informer(kinds.ENDPOINTS)
        self._selectors = ServiceSelectors(self._services, self._pods)
        self.watch(self._services, object_key)
        self.watch(self._endpoints, object_key)
        self.watch(self._pods, lambda _: [])  # synced before the first reconcile
        self._selectors.wake_on_pod_changes(self._pods, self._enqueue)

    async def reconcile(self, key: str) -> None:
        svc = self._services.get(key)
        current = self._endpoints.get(key)
        if svc is None:
            if current is not None and is_managed(current):
                await self._delete(current)
            return
        if rules.selector(svc) is None or rules.is_external_name(svc):
            if current is not None and is_managed(current):
                await self._delete(current)  # ours, stale: mirroring must not copy it
            return  # otherwise the user's business
        if meta.is_terminating(svc):
            return
        pods = self._selectors.pods_of(svc, self._pods)
        out = desired(svc, pods, current)
        if out is None:
            return
        await self._write(out, create=current is None)

    async def _write(self, ep: Obj, *, create: bool) -> None:
        try:
            if create:
                await self._api.create(kinds.ENDPOINTS, ep, meta.namespace(ep))
            else:
                await self._api.update(kinds.ENDPOINTS, ep)
        except AlreadyExists as e:
            raise Retry(0.1, "endpoints created meanwhile; waiting for the cache") from e
        except NotFound as e:
            raise Retry(0.1, "endpoints deleted meanwhile; waiting for the cache") from e
        log.debug("endpoints=%s written subsets=%d", meta.key_of(ep), len(ep["subsets"]))

    async def _delete(self, ep: Obj) -> None:
        try:
            await self._api.delete(kinds.ENDPOINTS, meta.name(ep), meta.namespace(ep),
                                   uid=meta.uid(ep))
        except NotFound:
            return
        log.info("endpoints=%s deleted: no service with a selector", meta.key_of(ep))
