"""The fixed part of tinykube's nftables tables: base chains, dispatch chains, sets, maps.

This is kube-proxy's nftables layout (``setupNFTables``, KEP-3866) with one difference:
the per-service chains are spread over ``SHARDS`` tables instead of living in one.

Why: any commit that adds a jump, a goto or a verdict element makes the kernel re-validate
every chain reachable from the base chains of the table it touches — ~85 ms at 10,000
services in one table, for a one-endpoint change. It validates only the tables a commit
touched, so with the services spread over 16 tables a change costs 1/16 of that.

- The **main table** ``tinykube`` holds what is not per service and every filter check:
  the filter base chains (``firewall-check``, ``service-endpoints-check``,
  ``nodeport-endpoints-check``, ``cluster-ips-check``: rejects and drops of new
  connections), ``reject-chain``, the ``cluster-ips``, ``nodeport-ips``, ``no-endpoint-*``
  and ``firewall-ips`` sets and maps with the ``firewall-`` chains they name, and
  ``nat-postrouting`` → ``masquerading``, which SNATs whatever any table marked.
- Each **shard** ``tinykube-sNN`` holds the per-service chains of the service ports that
  hash to it (``names.shard``: a stable hash of the service port's name, so a port never
  moves), its own ``nat-prerouting``/``nat-output`` base chains at priority dstnat that
  jump to its ``services`` chain, its own ``service-ips`` and ``service-nodeports`` maps
  (the owner's elements only), a copy of ``nodeport-ips`` and its own
  ``mark-for-masquerade``.

The main table's element containers (``cluster-ips``, ``no-endpoint-services``,
``no-endpoint-nodeports``, ``firewall-ips``) are split the same way, into ``SHARDS``
**buckets** each (``cluster-ips-b00`` …), by a hash of the element's key, and every check
looks into each bucket in turn. Why: nft 1.0.6 reads every chain of the family before any
``delete`` (~0.1 s at 10,000 services), so a partial sync never deletes an element: it
flushes the container that held it and adds back the rest, in the same transaction
(``plan``). A bucket holds 1/16 of the keys, so that costs a few milliseconds at 10,000
services where re-adding all of ``cluster-ips`` cost 30. The per-service maps
(``service-ips``, ``service-nodeports``) are already split by shard.

A new connection therefore meets every shard's nat chain in turn; the maps of all but one
miss, and the kernel's NAT core stops calling nat chains of a hook once one of them has
set up a DNAT binding (``nf_nat_inet_fn``), so a connection is translated once. The mark
is the packet's, not a table's, so masquerading in the main table sees marks set in any
shard. The cost is up to ``SHARDS`` map lookups on a new connection's first packet in the nat
chains, and as many per check in the filter chains.

Per-service chains and all per-service map elements are written by ``serviceplan``;
this module only knows the skeleton, which a full sync re-creates and a partial sync
leaves alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tinykube.proxy.model import NodeConfig

MASQ_MARK = "0x00004000"
TABLE = "tinykube"
SHARDS = 16

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
class Tables:
    """The names of the main table and of the shards."""

    main: str = TABLE
    shards: int = SHARDS

    @property
    def shard_names(self) -> tuple[str, ...]:
        return tuple(f"{self.main}-s{i:02d}" for i in range(self.shards))

    @property
    def all(self) -> tuple[str, ...]:
        return (self.main, *self.shard_names)

    def shard_of(self, key: str) -> str:
        """The shard of a service port, by a hash of ``names.service_base`` that no
        process or restart changes."""
        return self.shard_names[_index(key, self.shards)]

    def buckets(self, container: str) -> tuple[str, ...]:
        """The main table's containers that ``container`` (one of ``BUCKETED``) is split in."""
        return tuple(f"{container}-b{i:02d}" for i in range(self.shards))

    def place(self, container: str, key: str, shard: str) -> tuple[str, str]:
        """(table, container) of an element of a service port in ``shard``: its shard's
        for ``SHARDED`` containers, the bucket of its key for ``BUCKETED`` ones, else the
        main table's. The bucket depends on the key alone, so whoever owns a key, it is
        one element."""
        if container in SHARDED:
            return shard, container
        if container in BUCKETED:
            return self.main, self.buckets(container)[_index(key, self.shards)]
        return self.main, container


def _index(key: str, n: int) -> int:
    """A hash of ``key`` modulo ``n`` that no process or restart changes."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") % n


TABLES = Tables()

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

MAIN_BASE_CHAINS: tuple[BaseChain, ...] = (
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
    BaseChain("nat-postrouting", "nat", "postrouting", 100, (f"jump {MASQUERADING}",)),
)

SHARD_BASE_CHAINS: tuple[BaseChain, ...] = (
    BaseChain("nat-prerouting", "nat", "prerouting", -100, (f"jump {SERVICES}",)),
    BaseChain("nat-output", "nat", "output", -100, (f"jump {SERVICES}",)),
)

BUCKETED_CONTAINERS: tuple[Container, ...] = (  # in the main table, one per bucket
    Container(CLUSTER_IPS, "set", "ipv4_addr"),
    Container(NO_ENDPOINT_SERVICES, "map", f"{IP_PROTO_PORT} : verdict"),
    Container(NO_ENDPOINT_NODEPORTS, "map", f"{PROTO_PORT} : verdict"),
    Container(FIREWALL_IPS, "map", f"{IP_PROTO_PORT} : verdict"),
)

SHARD_CONTAINERS: tuple[Container, ...] = (
    Container(NODEPORT_IPS, "set", "ipv4_addr"),
    Container(SERVICE_IPS, "map", f"{IP_PROTO_PORT} : verdict"),
    Container(SERVICE_NODEPORTS, "map", f"{PROTO_PORT} : verdict"),
)

SHARDED = frozenset({SERVICE_IPS, SERVICE_NODEPORTS})  # elements live in the owner's shard
BUCKETED = frozenset(c.name for c in BUCKETED_CONTAINERS)  # in the bucket of their key


def main_containers(tables: Tables) -> tuple[Container, ...]:
    """The main table's sets and maps, in creation order."""
    return (Container(NODEPORT_IPS, "set", "ipv4_addr"),
            *(Container(b, c.kind, c.type) for c in BUCKETED_CONTAINERS
              for b in tables.buckets(c.name)))


def main_chains(node: NodeConfig, tables: Tables = TABLES) -> dict[str, tuple[str, ...]]:
    """The regular (hookless) chains of the main table and their rules, in creation
    order. A check looks into every bucket of its container."""
    cidrs = ", ".join(node.service_cidrs)
    each = tables.buckets
    return {
        REJECT_CHAIN: ("reject",),
        MARK_MASQ: (f"meta mark set meta mark or {MASQ_MARK}",),  # for firewall-… to come
        MASQUERADING: (
            f"meta mark & {MASQ_MARK} == 0 return",
            f"meta mark set meta mark xor {MASQ_MARK}",
            "masquerade fully-random",
        ),
        CLUSTER_IPS_CHECK: (
            *(f"ip daddr @{b} reject" for b in each(CLUSTER_IPS)),
            *((f"ip daddr {{ {cidrs} }} drop",) if node.service_cidrs else ()),
        ),
        SERVICE_ENDPOINTS_CHECK: tuple(
            f"ip daddr . meta l4proto . th dport vmap @{b}" for b in each(NO_ENDPOINT_SERVICES)),
        NODEPORT_ENDPOINTS_CHECK: (
            f"ip daddr != @{NODEPORT_IPS} return",
            *(f"meta l4proto . th dport vmap @{b}" for b in each(NO_ENDPOINT_NODEPORTS))),
        FIREWALL_CHECK: tuple(
            f"ip daddr . meta l4proto . th dport vmap @{b}" for b in each(FIREWALL_IPS)),
    }


def shard_chains() -> dict[str, tuple[str, ...]]:
    """The regular chains of every shard and their rules."""
    return {
        MARK_MASQ: (f"meta mark set meta mark or {MASQ_MARK}",),
        SERVICES: (
            f"ip daddr . meta l4proto . th dport vmap @{SERVICE_IPS}",
            f"ip daddr @{NODEPORT_IPS} meta l4proto . th dport vmap @{SERVICE_NODEPORTS}",
        ),
    }


def fixed_elements(node: NodeConfig) -> list[tuple[str, str, str]]:
    """Elements that belong to the node rather than to a service, in every table that
    has the set: (set, key, value)."""
    return [(NODEPORT_IPS, ip, "") for ip in node.ips]
