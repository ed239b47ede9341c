"""The fixed part of the ``ip tinykube`` table: base chains, dispatch chains, sets, maps.

This is kube-proxy's nftables layout (``setupNFTables``, KEP-3866) with the table renamed.
Packets enter through the base chains named ``<type>-<hook>``; the ``services`` chain
dispatches by one verdict-map lookup on ``daddr . l4proto . dport`` (and NodePorts by
``l4proto . dport`` on the node's addresses); the filter chains reject or drop new
connections to services without usable endpoints and to unused ports of ClusterIPs; the
``masquerading`` chain SNATs what a per-service chain marked. Per-service chains and all
map elements are written by ``serviceplan``; this module only knows the skeleton, which a
full sync re-creates and a partial sync leaves alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinykube.proxy.model import NodeConfig

MASQ_MARK = "0x00004000"

# maps and sets
CLUSTER_IPS = "cluster-ips"
NODEPORT_IPS = "nodeport-ips"
SERVICE_IPS = "service-ips"
SERVICE_NODEPORTS = "service-nodeports"
NO_ENDPOINT_SERVICES = "no-endpoint-services"
NO_ENDPOINT_NODEPORTS = "no-endpoint-nodeports"
FIREWALL_IPS = "firewall-ips"

# fixed chains
REJECT_CHAIN = "reject-chain"
MARK_MASQ = "mark-for-masquerade"
MASQUERADING = "masquerading"
SERVICES = "services"
CLUSTER_IPS_CHECK = "cluster-ips-check"
SERVICE_ENDPOINTS_CHECK = "service-endpoints-check"
NODEPORT_ENDPOINTS_CHECK = "nodeport-endpoints-check"
FIREWALL_CHECK = "firewall-check"

IP_PROTO_PORT = "ipv4_addr . inet_proto . inet_service"
PROTO_PORT = "inet_proto . inet_service"


@dataclass(frozen=True)
class BaseChain:
    name: str
    type: str
    hook: str
    priority: int
    rules: tuple[str, ...]

    def spec(self) -> str:
        return f"{{ type {self.type} hook {self.hook} priority {self.priority} ; }}"


@dataclass(frozen=True)
class Container:
    """A set or a map of the fixed layout; ``type`` is the nft type clause."""

    name: str
    kind: str  # "set" or "map"
    type: str

    def spec(self) -> str:
        return f"{{ type {self.type} ; }}"


_NEW = "ct state new"

BASE_CHAINS: tuple[BaseChain, ...] = (
    BaseChain("filter-prerouting", "filter", "prerouting", -110,
              (f"{_NEW} jump {FIREWALL_CHECK}",)),
    BaseChain("filter-input", "filter", "input", -110,
              (f"{_NEW} jump {NODEPORT_ENDPOINTS_CHECK}",
               f"{_NEW} jump {SERVICE_ENDPOINTS_CHECK}")),
    BaseChain("filter-forward", "filter", "forward", -110,
              (f"{_NEW} jump {SERVICE_ENDPOINTS_CHECK}", f"{_NEW} jump {CLUSTER_IPS_CHECK}")),
    BaseChain("filter-output", "filter", "output", -110,
              (f"{_NEW} jump {SERVICE_ENDPOINTS_CHECK}", f"{_NEW} jump {FIREWALL_CHECK}")),
    BaseChain("filter-output-post-dnat", "filter", "output", -90,
              (f"{_NEW} jump {CLUSTER_IPS_CHECK}",)),
    BaseChain("nat-prerouting", "nat", "prerouting", -100, (f"jump {SERVICES}",)),
    BaseChain("nat-output", "nat", "output", -100, (f"jump {SERVICES}",)),
    BaseChain("nat-postrouting", "nat", "postrouting", 100, (f"jump {MASQUERADING}",)),
)

CONTAINERS: tuple[Container, ...] = (
    Container(CLUSTER_IPS, "set", "ipv4_addr"),
    Container(NODEPORT_IPS, "set", "ipv4_addr"),
    Container(SERVICE_IPS, "map", f"{IP_PROTO_PORT} : verdict"),
    Container(SERVICE_NODEPORTS, "map", f"{PROTO_PORT} : verdict"),
    Container(NO_ENDPOINT_SERVICES, "map", f"{IP_PROTO_PORT} : verdict"),
    Container(NO_ENDPOINT_NODEPORTS, "map", f"{PROTO_PORT} : verdict"),
    Container(FIREWALL_IPS, "map", f"{IP_PROTO_PORT} : verdict"),
)


def fixed_chains(node: NodeConfig) -> dict[str, tuple[str, ...]]:
    """The regular (hookless) chains of the skeleton and their rules, in creation order."""
    cidrs = ", ".join(node.service_cidrs)
    return {
        REJECT_CHAIN: ("reject",),
        MARK_MASQ: (f"meta mark set meta mark or {MASQ_MARK}",),
        MASQUERADING: (
            f"meta mark & {MASQ_MARK} == 0 return",
            f"meta mark set meta mark xor {MASQ_MARK}",
            "masquerade fully-random",
        ),
        SERVICES: (
            f"ip daddr . meta l4proto . th dport vmap @{SERVICE_IPS}",
            f"ip daddr @{NODEPORT_IPS} meta l4proto . th dport vmap @{SERVICE_NODEPORTS}",
        ),
        CLUSTER_IPS_CHECK: (
            f"ip daddr @{CLUSTER_IPS} reject",
            *((f"ip daddr {{ {cidrs} }} drop",) if node.service_cidrs else ()),
        ),
        SERVICE_ENDPOINTS_CHECK: (
            f"ip daddr . meta l4proto . th dport vmap @{NO_ENDPOINT_SERVICES}",
        ),
        NODEPORT_ENDPOINTS_CHECK: (
            f"ip daddr @{NODEPORT_IPS} meta l4proto . th dport vmap @{NO_ENDPOINT_NODEPORTS}",
        ),
        FIREWALL_CHECK: (f"ip daddr . meta l4proto . th dport vmap @{FIREWALL_IPS}",),
    }


def fixed_elements(node: NodeConfig) -> list[tuple[str, str, str]]:
    """Elements that belong to the node rather than to a service: (set, key, value)."""
    return [(NODEPORT_IPS, ip, "") for ip in node.ips]
