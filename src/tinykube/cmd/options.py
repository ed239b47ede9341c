"""The settings of one ``tinykube up``, as parsed from its flags.

Kept apart from ``up.py`` so that ``up -d`` (which only spawns and waits) does not import
the API server, the store and the controllers it will never run itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tinykube.cmd.addresses import DNS_IP, LB_POOL, PUBLISH_DEFAULT
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.kubeconfig import server_url
from tinykube.cmd.nodesupport import NODE_OFF, NodeSupport
from tinykube.cmd.progress import NodeSummary, Summary

StoreKind = Literal["sqlite", "memory"]

DEFAULT_NODE = "tinykube-control-plane"
ANY_IPV4 = "0.0.0.0"


@dataclass(frozen=True)
class UpOptions:
    data_dir: DataDir
    address: str = "127.0.0.1"
    port: int = 6443
    store: StoreKind = "sqlite"
    child: bool = False  # started by ``up -d``: the parent prints the summary
    verbose: int = 0
    node_name: str = DEFAULT_NODE
    publish_addresses: tuple[str, ...] = ()  # host addresses NodePorts are published on
    dns_upstreams: tuple[str, ...] = ()      # ADDR[:PORT] texts; () = the host's resolvers
    lb_pool: str = LB_POOL                    # LoadBalancer ingress IPs (ranges, CIDRs)

    @property
    def server(self) -> str:
        return server_url(self.address, self.port)

    @property
    def published_on(self) -> tuple[str, ...]:
        """Host addresses NodePorts are published on: loopback, then ``--publish-address``.
        ``0.0.0.0`` takes the place of every other IPv4 address (it covers them, and a port
        cannot be listened on both ways)."""
        wanted = tuple(dict.fromkeys([PUBLISH_DEFAULT, *self.publish_addresses]))
        return (ANY_IPV4,) if ANY_IPV4 in wanted else wanted

    def summary(self, support: NodeSupport, *, detached_pid: int | None = None,
                log_file: str = "") -> Summary:
        """What ``up`` (or the ``up -d`` parent) prints once the cluster is ready."""
        d = self.data_dir
        node = (NodeSummary(self.node_name, DNS_IP, self.published_on) if support.node
                else None)
        return Summary(str(d.kubeconfig), self.server, str(d.root),
                       detached_pid=detached_pid, log_file=log_file, node=node,
                       node_off="" if support.node else NODE_OFF)

    def argv(self) -> list[str]:
        """The flags that start the same cluster again (what ``up -d`` runs in the background)."""
        argv = [
            "up",
            "--data-dir", str(self.data_dir.root),
            "--address", self.address,
            "--port", str(self.port),
            "--store", self.store,
        ]
        if self.node_name != DEFAULT_NODE:
            argv += ["--node-name", self.node_name]
        for address in self.publish_addresses:
            argv += ["--publish-address", address]
        for upstream in self.dns_upstreams:
            argv += ["--dns-upstream", upstream]
        if self.lb_pool != LB_POOL:
            argv += ["--lb-pool", self.lb_pool]
        return [*argv, *(["-" + "v" * self.verbose] if self.verbose else [])]
