"""EndpointSlice mirroring: a user's Endpoints, seen by slice readers (the proxy, DNS).

kube-proxy reads only EndpointSlices, so a selector-less Service whose Endpoints a user
wrote by hand (the seed's outside ``mysql``) carries traffic only because this controller
copies them (``endpointslicemirroring``):

- an Endpoints is mirrored when a Service of the same name exists and has no selector,
  and the Endpoints has neither the label ``endpointslice.kubernetes.io/skip-mirror:
  "true"`` (the ``default/kubernetes`` Endpoints carry it) nor the leader-election
  annotation;
- its subsets are repacked, then each (port list, address family) becomes one slice of
  at most 1000 addresses: ``addresses`` as ``ready: true``, ``notReadyAddresses`` as
  ``ready: false``, with ``hostname``, ``nodeName`` and ``targetRef`` copied;
- a slice has the Endpoints' labels plus ``kubernetes.io/service-name`` and
  ``endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io``,
  its annotations except the trigger-time and last-applied ones, and an owner reference
  to the Endpoints (not the Service);
- mirrored slices are deleted when the Endpoints or the Service goes, when the Service
  gains a selector, or when the Endpoints asks not to be mirrored.

The key is the Endpoints' ``namespace/name``. Writes happen only when a slice differs;
the computation is pure (``desired_slices``, ``plan``).
"""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules as rules
from tinykube.controllers.endpoints import normalised
from tinykube.controllers.endpointslice.build import SERVICE_NAME_LABEL, port_key, sorted_ports
from tinykube.controllers.freshness import WriteTracker
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.errors import Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
NOT_COPIED = ("endpoints.kubernetes.io/last-change-trigger-time",
              "kubectl.kubernetes.io/last-applied-configuration")
MAX_PER_SUBSET = 1000
INDEX = "mirrored-endpoints"

SliceKey = tuple[Any, str]  # (port key, address type)


# --------------------------------------------------------------------------- pure


def should_mirror(ep: Obj) -> bool:
    return (meta.labels(ep).get(SKIP_MIRROR_LABEL) != "true"
            and LEADER_ANNOTATION not in meta.annotations_of(ep))


def address_type(ip: str) -> str | None:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return None


def _endpoint(address: dict[str, Any], ready: bool) -> dict[str, Any]:
    ep: dict[str, Any] = {"addresses": [str(address["ip"])], "conditions": {"ready": ready}}
    if address.get("hostname"):
        ep["hostname"] = address["hostname"]
    if address.get("nodeName"):
        ep["nodeName"] = address["nodeName"]
    if address.get("targetRef"):
        ep["targetRef"] = address["targetRef"]
    return ep


def _ports(subset: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in subset.get("ports") or []:
        port: dict[str, Any] = {"name": str(p.get("name") or ""), "port": p.get("port"),
                                "protocol": p.get("protocol") or "TCP"}
        if p.get("appProtocol"):
            port["appProtocol"] = p["appProtocol"]
        out.append(port)
    return sorted_ports(out)


@dataclass
class Desired:
    ports: list[dict[str, Any]]
    address_type: str
    endpoints: list[dict[str, Any]] = field(default_factory=list)


def desired_slices(ep: Obj, max_per_subset: int = MAX_PER_SUBSET) -> dict[SliceKey, Desired]:
    """The slices an Endpoints mirrors to, by (ports, address type)."""
    out: dict[SliceKey, Desired] = {}
    for subset in _repacked(ep):
        ports = _ports(subset)
        added = 0
        for field_name, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(field_name) or []:
                kind = address_type(str(address.get("ip") or ""))
                if kind is None or added >= max_per_subset:
                    continue
                key = (port_key(ports), kind)
                out.setdefault(key, Desired(ports, kind)).endpoints.append(
                    _endpoint(address, ready))
                added += 1
    return out


def _repacked(ep: Obj) -> list[dict[str, Any]]:
    """Subsets merged by identical port lists (what ``RepackSubsets`` achieves here)."""
    merged: dict[Any, dict[str, Any]] = {}
    for subset in normalised(ep.get("subsets")):
        key = port_key(_ports(subset))
        target = merged.setdefault(key, {"ports": subset.get("ports") or []})
        for f in ("addresses", "notReadyAddresses"):
            seen = {a.get("ip") for a in target.get(f, [])}
            target.setdefault(f, []).extend(
                a for a in subset.get(f) or [] if a.get("ip") not in seen)
    return list(merged.values())


def slice_labels(ep: Obj) -> dict[str, str]:
    out = meta.labels(ep)
    out[SERVICE_NAME_LABEL] = meta.name(ep)
    out[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return out


def slice_annotations(ep: Obj) -> dict[str, str]:
    return {k: v for k, v in meta.annotations_of(ep).items() if k not in NOT_COPIED}


def new_slice(ep: Obj, want: Desired) -> Obj:
    md: dict[str, Any] = {
        "generateName": f"{meta.name(ep)}-", "namespace": meta.namespace(ep),
        "labels": slice_labels(ep),
        "ownerReferences": [{"apiVersion": "v1", "kind": "Endpoints", "name": meta.name(ep),
                             "uid": meta.uid(ep), "controller": True,
                             "blockOwnerDeletion": True}]}
    annotations = slice_annotations(ep)
    if annotations:
        md["annotations"] = annotations
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": md,
            "addressType": want.address_type, "ports": want.ports,
            "endpoints": want.endpoints}


@dataclass
class Plan:
    create: list[Obj] = field(default_factory=list)
    update: list[Obj] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)


def _matches(current: Obj, wanted: Obj) -> bool:
    return (current.get("endpoints") or []) == wanted["endpoints"] and (
        meta.labels(current) == meta.labels(wanted)
        and meta.annotations_of(current) == meta.annotations_of(wanted)
        and meta.owner_references(current) == meta.owner_references(wanted))


def plan(ep: Obj | None, existing: list[Obj], max_per_subset: int = MAX_PER_SUBSET) -> Plan:
    """Writes that make ``existing`` mirror ``ep`` (None: nothing should be mirrored)."""
    out = Plan()
    if ep is None:
        out.delete = list(existing)
        return out
    by_key: dict[SliceKey, list[Obj]] = {}
    for eps in sorted(existing, key=meta.name):
        key = (port_key(eps.get("ports") or []), str(eps.get("addressType") or ""))
        by_key.setdefault(key, []).append(eps)
    desired = desired_slices(ep, max_per_subset)
    for key, want in desired.items():
        have = by_key.pop(key, [])
        wanted = new_slice(ep, want)
        out.delete += have[1:]
        if not have:
            out.create.append(wanted)
        elif not _matches(have[0], wanted):
            updated = copy.deepcopy(have[0])
            md = meta.metadata(updated)
            for f in ("labels", "annotations", "ownerReferences"):
                md.pop(f, None)
                if f in wanted["metadata"]:
                    md[f] = wanted["metadata"][f]
            updated["endpoints"] = wanted["endpoints"]
            out.update.append(updated)
    for rest in by_key.values():
        out.delete += rest
    return out


def endpoints_key(eps: Obj) -> list[str]:
    """The Endpoints a mirrored slice belongs to."""
    name = meta.labels(eps).get(SERVICE_NAME_LABEL)
    if not name or meta.labels(eps).get(MANAGED_BY_LABEL) != CONTROLLER_NAME:
        return []
    return [f"{meta.namespace(eps)}/{name}"]


# --------------------------------------------------------------------------- controller


class MirroringController(Controller[str]):
    name = "endpointslicemirroring"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 workers: int = 2, clock: Clock | None = None,
                 max_per_subset: int = MAX_PER_SUBSET) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self.max_per_subset = max_per_subset
        self._services = self.informers.informer(kinds.SERVICE)
        self._endpoints = self.informers.informer(kinds.ENDPOINTS)
        self._slices = self.informers.informer(kinds.ENDPOINT_SLICE)
        self._slices.index(INDEX, endpoints_key)
        self._tracker = WriteTracker(self._slices)
        self.watch(self._services, object_key)
        self.watch(self._endpoints, object_key)
        self.watch(self._slices, endpoints_key)

    def mirrored(self, key: str) -> list[Obj]:
        return self._slices.by_index(INDEX, key)

    def wanted(self, key: str) -> Obj | None:
        """The Endpoints to mirror under ``key``, if it should be."""
        svc, ep = self._services.get(key), self._endpoints.get(key)
        if svc is None or ep is None or rules.selector(svc) is not None:
            return None
        if meta.is_terminating(ep) or not should_mirror(ep):
            return None
        return ep

    async def reconcile(self, key: str) -> None:
        if not self._tracker.fresh(key):
            return
        todo = plan(self.wanted(key), self.mirrored(key), self.max_per_subset)
        for eps in todo.create:
            self._tracker.wrote(key, await self._api.create(kinds.ENDPOINT_SLICE, eps,
                                                            meta.namespace(eps)))
        for eps in todo.update:
            try:
                self._tracker.wrote(key, await self._api.update(kinds.ENDPOINT_SLICE, eps))
            except NotFound as e:
                raise Conflict(f"slice {meta.name(eps)} is gone") from e
        for eps in todo.delete:
            with contextlib.suppress(NotFound, Conflict):
                await self._api.delete(kinds.ENDPOINT_SLICE, meta.name(eps),
                                       meta.namespace(eps), uid=meta.uid(eps))
            self._tracker.deleted(key, eps)
        if todo.create or todo.update or todo.delete:
            log.info("mirroring endpoints=%s create=%d update=%d delete=%d", key,
                     len(todo.create), len(todo.update), len(todo.delete))
