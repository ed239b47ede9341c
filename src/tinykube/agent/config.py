"""What a node agent is told at start: its node, its addresses, where it keeps pods.

One frozen value built by whoever starts the agent (``cmd/assembly.py``); every other
module of the agent reads its settings from here. The defaults are those of DESIGN.md's
address plan: node ``tinykube-control-plane``, pod CIDR 10.244.0.0/24 (gateway .1 on the
bridge), node IP 172.18.0.2/24, cluster DNS 10.96.0.10, zone ``cluster.local``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from tinykube import KUBERNETES_VERSION, __version__

DEFAULT_NODE = "tinykube-control-plane"
NETNS_PREFIX = "tinykube"
BRIDGE = "cbr0"          # the node's bridge, holding the pod CIDR's gateway address


@dataclass(frozen=True)
class AgentConfig:
    state_dir: Path                        # pods' dirs live under <state_dir>/<node>/pods
    node_name: str = DEFAULT_NODE
    pod_cidr: str = "10.244.0.0/24"
    node_ip: str = "172.18.0.2/24"          # address/prefix, on the node's own interface
    cluster_dns: tuple[str, ...] = ("10.96.0.10",)
    cluster_domain: str = "cluster.local"
    host_resolv_conf: Path = Path("/etc/resolv.conf")   # the "node's" resolver (dnsPolicy Default)
    service_account_token: str = ""         # what pods present to the API as their token
    ca_file: Path | None = None             # the cluster CA, mounted as ca.crt
    image_map: Path | None = None           # a user's image -> command YAML (optional)
    heartbeat_interval: float = 10.0
    kubelet_version: str = KUBERNETES_VERSION
    runtime_version: str = f"tinykube://{__version__}"
    capacity: dict[str, str] = field(default_factory=lambda: {
        "cpu": "2", "memory": "4Gi", "pods": "110", "ephemeral-storage": "20Gi"})

    # ------------------------------------------------------------------ derived names

    @property
    def node_netns(self) -> str:
        """The node's network namespace: ``tinykube-<node>`` (the node name as is when it
        already carries the prefix, as the default does)."""
        if self.node_name.startswith(NETNS_PREFIX):
            return self.node_name
        return f"{NETNS_PREFIX}-{self.node_name}"

    @property
    def node_dir(self) -> Path:
        return self.state_dir / self.node_name

    @property
    def pods_dir(self) -> Path:
        return self.node_dir / "pods"

    @property
    def network(self) -> ipaddress.IPv4Network:
        net = ipaddress.ip_network(self.pod_cidr)
        assert isinstance(net, ipaddress.IPv4Network), "IPv4 pod CIDRs only"
        return net

    @property
    def gateway(self) -> str:
        """The bridge's address: the first host of the pod CIDR."""
        return str(self.network.network_address + 1)

    @property
    def host_ip(self) -> str:
        """The node IP without its prefix (``status.hostIP``)."""
        return str(ipaddress.ip_interface(self.node_ip).ip)
