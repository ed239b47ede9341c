"""Endpoint choice for one service port, as the nftables rules would make it.

Pure (a random source and the time are passed in). For each new connection: the endpoint
set of the destination's traffic policy (``serviceplan.categorize``: ready endpoints, or
serving-and-terminating ones when none is ready; local ones for a Local policy; pods and
the node itself short-circuit an external Local policy to the cluster-wide set), then the
client's ClientIP-affinity entry if it is alive and its endpoint still usable (the entry
is refreshed), else one endpoint uniformly at random.

``Choice.DROP``: endpoints exist but none for this policy (the client gets no answer).
A port with no usable endpoint at all has no listener (the kernel refuses).
"""

from __future__ import annotations

import enum
import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tinykube.proxy.model import EndpointInfo, NodeConfig, ServicePortInfo
from tinykube.proxy.serviceplan import categorize


class Choice(enum.Enum):
    DROP = "drop"


class Picker(Protocol):
    """What a listener asks for each new connection or UDP client."""

    def pick(self, client_ip: str, *, external: bool, now: float,
             avoid: frozenset[str] = frozenset()) -> EndpointInfo | Choice | None:
        """An endpoint; ``DROP``; or None when every candidate is in ``avoid``
        (addresses whose dial just failed)."""
        ...


@dataclass(frozen=True)
class _Sets:
    internal: tuple[EndpointInfo, ...]
    external: tuple[EndpointInfo, ...]
    short_circuit: tuple[EndpointInfo, ...]
    has_any: bool


class Balancer:
    def __init__(self, node: NodeConfig, rng: random.Random | None = None) -> None:
        self.node = node
        self._rng = rng or random.Random()
        self._pod_net = ipaddress.ip_network(node.pod_cidr) if node.pod_cidr else None
        self._info: ServicePortInfo | None = None
        self._sets = _Sets((), (), (), False)
        self._affinity: dict[str, tuple[EndpointInfo, float]] = {}

    @property
    def has_endpoints(self) -> bool:
        """Whether any endpoint is usable (else the port should refuse connections)."""
        return self._sets.has_any

    def update(self, info: ServicePortInfo, eps: Sequence[EndpointInfo]) -> None:
        cat = categorize(info, eps)
        internal = cat.local if info.internal_policy_local else cat.cluster
        external = cat.local if info.external_policy_local else cat.cluster
        self._info = info
        self._sets = _Sets(internal, external, cat.cluster, cat.has_any)
        alive = set(cat.reachable)
        if not info.affinity:
            self._affinity.clear()
        else:
            self._affinity = {c: v for c, v in self._affinity.items() if v[0] in alive}

    def pick(self, client_ip: str, *, external: bool, now: float,
             avoid: frozenset[str] = frozenset()) -> EndpointInfo | Choice | None:
        """The endpoint for a new connection from ``client_ip`` (see ``Picker``)."""
        candidates = self._candidates(client_ip, external)
        if not candidates:
            return Choice.DROP
        if avoid:
            candidates = tuple(e for e in candidates if e.address not in avoid)
            if not candidates:
                return None
        info = self._info
        assert info is not None
        if info.affinity:
            hit = self._affinity.get(client_ip)
            if hit is not None and hit[1] > now and hit[0] in candidates:
                self._affinity[client_ip] = (hit[0], now + info.session_affinity_timeout)
                return hit[0]
        ep = candidates[self._rng.randrange(len(candidates))]
        if info.affinity:
            self._affinity[client_ip] = (ep, now + info.session_affinity_timeout)
        return ep

    def _candidates(self, client_ip: str, external: bool) -> tuple[EndpointInfo, ...]:
        sets, info = self._sets, self._info
        if not external:
            return sets.internal
        if info is not None and info.external_policy_local and self._short_circuits(client_ip):
            return sets.short_circuit
        return sets.external

    def _short_circuits(self, client_ip: str) -> bool:
        """Pods and the node itself bypass an external Local policy."""
        if client_ip in self.node.ips or client_ip.startswith("127."):
            return True
        try:
            return self._pod_net is not None and ipaddress.ip_address(client_ip) in self._pod_net
        except ValueError:
            return False
