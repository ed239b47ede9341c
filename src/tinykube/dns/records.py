"""What DNS needs from Services, EndpointSlices, Pods and Namespaces, as frozen values.

The informer hands over the API's plain JSON objects; ``*_from_obj`` keeps only the fields
the record rules read (R10-R24) and normalises them once: lowercase names, parsed
addresses, readiness resolved (``ready`` absent means ready, R16). Malformed fields are
skipped, never raised: a bad object must not stop the DNS server from serving the rest.
Everything else — which names exist, what they answer — is ``rules.py``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinykube.api.meta import Obj
from tinykube.dns import names
from tinykube.dns.names import IPAddress

SERVICE_NAME_LABEL = "kubernetes.io/service-name"

# Pods in these phases have no pod record (R24 verified mode).
INACTIVE_PHASES = frozenset({"Succeeded", "Failed", "Unknown"})


@dataclass(frozen=True)
class Port:
    """A Service port or an EndpointSlice port; ``name`` and ``protocol`` are lowercase."""

    name: str
    protocol: str
    port: int


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    cluster_ips: tuple[IPAddress, ...]
    headless: bool
    external_name: str
    ports: tuple[Port, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


@dataclass(frozen=True)
class Endpoint:
    addresses: tuple[IPAddress, ...]
    ready: bool
    hostname: str
    pod_name: str


@dataclass(frozen=True)
class Slice:
    namespace: str
    name: str
    service: str
    endpoints: tuple[Endpoint, ...]
    ports: tuple[Port, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def service_key(self) -> tuple[str, str]:
        return (self.namespace, self.service)


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    ip: IPAddress | None
    active: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def _meta(obj: Obj) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ports(items: list[Any]) -> tuple[Port, ...]:
    out: list[Port] = []
    for raw in items:
        item = _dict(raw)
        number = item.get("port")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 65536:
            continue
        protocol = _str(item.get("protocol")) or "TCP"
        out.append(Port(_str(item.get("name")).lower(), protocol.lower(), number))
    return tuple(out)


def _ips(values: list[Any]) -> tuple[IPAddress, ...]:
    out: list[IPAddress] = []
    for value in values:
        address = names.ip(_str(value))
        if address is not None and address not in out:
            out.append(address)
    return tuple(out)


def service_from_obj(obj: Obj) -> Service:
    md, spec = _meta(obj), _dict(obj.get("spec"))
    kind = _str(spec.get("type")) or "ClusterIP"
    cluster_ip = _str(spec.get("clusterIP"))
    ips = _list(spec.get("clusterIPs")) or ([cluster_ip] if cluster_ip else [])
    external = _str(spec.get("externalName")).rstrip(".").lower() if kind == "ExternalName" else ""
    return Service(
        namespace=_str(md.get("namespace")),
        name=_str(md.get("name")),
        cluster_ips=() if kind == "ExternalName" else _ips(ips),
        headless=kind != "ExternalName" and cluster_ip == "None",
        external_name=external,
        ports=_ports(_list(spec.get("ports"))),
    )


def _endpoint(item: Any) -> Endpoint:
    item = _dict(item)
    ready = _dict(item.get("conditions")).get("ready")
    ref = _dict(item.get("targetRef"))
    return Endpoint(
        addresses=_ips(_list(item.get("addresses"))),
        ready=ready is not False,
        hostname=_str(item.get("hostname")).lower(),
        pod_name=_str(ref.get("name")) if _str(ref.get("kind")) in ("Pod", "") else "",
    )


def slice_from_obj(obj: Obj) -> Slice:
    md = _meta(obj)
    labels = _dict(md.get("labels"))
    address_type = _str(obj.get("addressType"))
    endpoints = tuple(_endpoint(e) for e in _list(obj.get("endpoints")))
    if address_type not in ("IPv4", "IPv6"):
        endpoints = ()  # FQDN slices carry no addresses DNS can serve
    return Slice(
        namespace=_str(md.get("namespace")),
        name=_str(md.get("name")),
        service=_str(labels.get(SERVICE_NAME_LABEL)),
        endpoints=endpoints,
        ports=_ports(_list(obj.get("ports"))),
    )


def pod_from_obj(obj: Obj) -> Pod:
    md, status = _meta(obj), _dict(obj.get("status"))
    phase = _str(status.get("phase"))
    return Pod(
        namespace=_str(md.get("namespace")),
        name=_str(md.get("name")),
        ip=names.ip(_str(status.get("podIP"))),
        active=phase not in INACTIVE_PHASES and not md.get("deletionTimestamp"),
    )


def namespace_from_obj(obj: Obj) -> str:
    return _str(_meta(obj).get("name"))
