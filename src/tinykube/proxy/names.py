"""Deterministic nftables names for a service port and its endpoints.

kube-proxy's ``servicePortChainNameBase``/``hashAndTruncate``: a readable part
(``ns/svc/proto/portname``, ``…__ip/port`` for an endpoint) prefixed with the first 8
characters of base32(sha256(readable part)), so two proxies (or two syncs of one proxy)
always agree on a name, and a name stays unique when the readable part is cut at the
kernel's 256-byte limit. The hash is taken of the readable part only, so a service's
``service-``, ``local-``, ``external-`` and ``firewall-`` chains share it, as do an endpoint
chain and its ``affinity-`` set.
"""

from __future__ import annotations

import base64
import hashlib
import re

from tinykube.proxy.model import EndpointInfo, ServicePortName

MAX_NAME = 255  # NFT_NAME_MAXLEN is 256 bytes including the terminating NUL

CLUSTER = "service-"
LOCAL = "local-"
EXTERNAL = "external-"
FIREWALL = "firewall-"
ENDPOINT = "endpoint-"
AFFINITY = "affinity-"


def hash_and_truncate(prefix: str, base: str) -> str:
    digest = base64.b32encode(hashlib.sha256(base.encode()).digest()).decode()
    name = f"{prefix}{digest[:8]}-{base}"
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 3] + "..."
    return name


def service_base(spn: ServicePortName) -> str:
    return f"{spn.namespace}/{spn.name}/{spn.protocol.lower()}/{spn.port}"


def endpoint_base(spn: ServicePortName, ep: EndpointInfo) -> str:
    return f"{service_base(spn)}__{ep.ip.replace(':', '.')}/{ep.port}"


def cluster_chain(spn: ServicePortName) -> str:
    return hash_and_truncate(CLUSTER, service_base(spn))


def local_chain(spn: ServicePortName) -> str:
    return hash_and_truncate(LOCAL, service_base(spn))


def external_chain(spn: ServicePortName) -> str:
    return hash_and_truncate(EXTERNAL, service_base(spn))


def firewall_chain(spn: ServicePortName) -> str:
    return hash_and_truncate(FIREWALL, service_base(spn))


def endpoint_chain(spn: ServicePortName, ep: EndpointInfo) -> str:
    return hash_and_truncate(ENDPOINT, endpoint_base(spn, ep))


def affinity_set(spn: ServicePortName, ep: EndpointInfo) -> str:
    return hash_and_truncate(AFFINITY, endpoint_base(spn, ep))


_PER_SERVICE = re.compile(r"^(service|local|external|firewall|endpoint)-[A-Z2-7]{8}-")
_AFFINITY = re.compile(r"^affinity-[A-Z2-7]{8}-")


def is_service_chain(name: str) -> bool:
    """Whether a chain is one of the per-service or per-endpoint chains we write (the
    fixed ``service-endpoints-check`` is not)."""
    return _PER_SERVICE.match(name) is not None


def is_affinity_set(name: str) -> bool:
    return _AFFINITY.match(name) is not None
