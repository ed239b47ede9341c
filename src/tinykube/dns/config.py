"""The settings of the cluster zone, as the CoreDNS ``kubernetes`` plugin names them (§7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tinykube.dns import names
from tinykube.dns.names import IPAddress, Name

PodMode = Literal["disabled", "insecure", "verified"]


@dataclass(frozen=True)
class Config:
    zone: Name = (b"cluster", b"local")
    ttl: int = 5
    pods: PodMode = "verified"
    # Serve PTR under in-addr.arpa / ip6.arpa; names there without a record fall through
    # to the upstream (the kubeadm Corefile's ``fallthrough in-addr.arpa ip6.arpa``).
    reverse: bool = True
    # The server's own addresses: NS at the apex names the Service whose ready endpoints
    # include one of them, else ``ns.dns.<zone>`` with these as glue (R7).
    ns_addresses: tuple[IPAddress, ...] = ()
    endpoint_pod_names: bool = False
    # SOA serial; a wildcard for checks (R6). The zone sets it when it is created.
    serial: int = 0

    @classmethod
    def build(
        cls,
        zone: str = "cluster.local",
        *,
        ttl: int = 5,
        pods: PodMode = "verified",
        reverse: bool = True,
        ns_addresses: tuple[str, ...] = (),
        endpoint_pod_names: bool = False,
        serial: int = 0,
    ) -> Config:
        if not 0 <= ttl <= 3600:
            raise ValueError("ttl must be within 0..3600")
        addresses = tuple(a for a in (names.ip(text) for text in ns_addresses) if a is not None)
        return cls(names.from_text(zone), ttl, pods, reverse, addresses, endpoint_pod_names, serial)
