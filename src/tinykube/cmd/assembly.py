"""How each component of a one-process cluster is built, started and stopped.

``up.py`` decides the order and prints the progress; this module holds the handles and
knows each component's constructor, so a changed constructor is a change here only.
Components talk to the API through a client like any other process would (DESIGN.md:
components talk only through the API), so each could move to its own process unchanged:

- the API server listens on the host (``--address``/``--port``) and, once the node
  network exists, also on the node IP inside the node namespace, where the ``kubernetes``
  Service (10.96.0.1:443) leads pods; it keeps 10.96.0.10 out of dynamic allocation for
  ``kube-dns``;
- the node agent (its own client, like a kubelet) creates the node namespace and runs pods;
- the controllers, the proxy and the cluster DNS share ONE informer factory and one client;
- the proxy programs nftables in the node namespace (or relays in userspace without
  ``nft``) and publishes NodePorts on the host's loopback (and ``--publish-address``);
- the DNS listens on the node IP inside the node namespace and forwards outside names
  to ``--dns-upstream`` (else the host's resolvers).

A component whose ``run`` fails is logged and started again after a growing delay (the
agent excepted: its ``run`` is not restartable, a failure is logged loudly). Every change of
a component's state goes on the cluster's ``board`` (``board.py``), which ``tinykube
status`` reads. Stopping goes the reverse way, each stage leaving nothing behind
(``stop_stages``).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Set
from typing import Protocol

from tinykube.agent.agent import Agent
from tinykube.agent.config import AgentConfig
from tinykube.agent.streams import PodStreams
from tinykube.apiserver import certs
from tinykube.apiserver.allocation import ServiceAllocator
from tinykube.apiserver.server import ApiServer, listen_on
from tinykube.client import Client
from tinykube.cmd import port
from tinykube.cmd.addresses import (
    CLUSTER_POD_CIDR,
    DNS_IP,
    NODE_IP,
    NODE_PREFIX,
    POD_CIDR,
    SERVICE_CIDR,
    ZONE,
)
from tinykube.cmd.board import Board, one_line
from tinykube.cmd.nodesupport import NodeSupport
from tinykube.cmd.options import UpOptions
from tinykube.controllers.manager import ControllerManager
from tinykube.dns import upstreams
from tinykube.dns.component import ClusterDns
from tinykube.errors import SystemError_
from tinykube.host import nsexec
from tinykube.host.nssocket import NetnsSockets
from tinykube.machinery.factory import InformerFactory
from tinykube.proxy.dataplane import Dataplane, SyncResult
from tinykube.proxy.follower import Follower
from tinykube.proxy.healthcheck import HealthCheckServer
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.proxy.proxier import Proxier
from tinykube.proxy.publish import Publisher
from tinykube.proxy.userspace.dataplane import UserspaceDataplane
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore
from tinykube.store.storage import Storage

log = logging.getLogger(__name__)

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
SYNC_TIMEOUT = 10.0
PROXY_TIMEOUT = 30.0

Stage = tuple[str, Callable[[], Awaitable[None]]]

# The components on the board, in the order ``up`` starts them.
STORE = "store"
APISERVER = "apiserver"
AGENT = "node-agent"
INFORMERS = "informers"
CONTROLLERS = "controller-manager"
PROXY = "proxy"
DNS = "dns"
NOT_ROOT = "off: not root"


class Runnable(Protocol):
    async def run(self) -> None: ...


class _Informers:
    """The shared informer factory as something to supervise."""

    def __init__(self, factory: InformerFactory) -> None:
        self._factory = factory

    async def run(self) -> None:
        await self._factory.run()


class _Programmed:
    """A dataplane that says when its first sync has succeeded (the proxy's progress line)."""

    def __init__(self, inner: Dataplane) -> None:
        self._inner = inner
        self.first_sync = asyncio.Event()

    async def sync(self, state: ProxyState, changed: Set[ServicePortName] | None) -> SyncResult:
        result = await self._inner.sync(state, changed)
        self.first_sync.set()
        return result

    async def cleanup(self) -> None:
        await self._inner.cleanup()


class Cluster:
    """The components of one ``tinykube up``, started one by one."""

    def __init__(self, opts: UpOptions, support: NodeSupport) -> None:
        self._opts = opts
        self.support = support
        self._store: Storage | None = None
        self._server: ApiServer | None = None
        self._client: Client | None = None
        self._informers: InformerFactory | None = None
        self._manager: ControllerManager | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._certs: certs.CertFiles | None = None
        self._agent: Agent | None = None
        self._agent_client: Client | None = None
        self._agent_task: asyncio.Task[None] | None = None
        self._proxier: Proxier | None = None
        self._proxy_task: asyncio.Task[None] | None = None
        self._node_sockets: NetnsSockets | None = None
        self._dns: ClusterDns | None = None
        self._dns_task: asyncio.Task[None] | None = None
        self.board = Board(opts.data_dir.components, pid=os.getpid(),
                           node=opts.node_name if support.node else "",
                           published_on=opts.published_on if support.node else ())

    def declare_components(self) -> None:
        """Put every component on the board: ``starting``, or ``off`` and why."""
        o, support, board = self._opts, self.support, self.board
        node_off = "" if support.node else NOT_ROOT
        board.declare(STORE, o.store)
        board.declare(APISERVER, f"{o.address}:{o.port}")
        board.declare(AGENT, o.node_name, off=node_off)
        board.declare(INFORMERS)
        board.declare(CONTROLLERS)
        dataplane = support.dataplane + ("" if support.nft else " (nft not found)")
        board.declare(PROXY, dataplane, off=node_off)
        board.declare(DNS, f"{DNS_IP} on {NODE_IP}:53", off=node_off)

    @property
    def node_netns(self) -> str:
        return self.agent_config().node_netns

    def certificates(self) -> None:
        """The CA and serving certificate (made once, reused after) and the token."""
        d = self._opts.data_dir
        self._certs = certs.ensure(d.pki, extra_ips=[*_extra_ips(self._opts.address), NODE_IP])
        d.token()

    async def start_store(self) -> None:
        d = self._opts.data_dir
        store: Storage = SqliteStore(d.store) if self._opts.store == "sqlite" else MemoryStore()
        await store.start()
        self._store = store

    async def start_apiserver(self) -> None:
        assert self._store is not None and self._certs is not None
        d, o = self._opts.data_dir, self._opts
        allocator = ServiceAllocator(service_cidr=SERVICE_CIDR)
        allocator.reserve(DNS_IP)  # kube-dns asks for it by name; nobody gets it dynamically
        server = ApiServer(
            self._store,
            tokens=d.token(),
            cert_file=str(self._certs.cert),
            key_file=str(self._certs.key),
            service_cidr=SERVICE_CIDR,
            listen=[(o.address, o.port)],
            advertise_address=NODE_IP if self.support.node else None,
            allocator=allocator,
        )
        try:
            await server.start()
        except OSError as e:
            if not port.is_bind_error(e):
                raise
            raise port.as_config_error(e, o.address, o.port) from e
        self._server = server

    # ------------------------------------------------------------------ the node

    def agent_config(self) -> AgentConfig:
        d = self._opts.data_dir
        return AgentConfig(
            state_dir=d.agent_dir,
            node_name=self._opts.node_name,
            pod_cidr=POD_CIDR,
            node_ip=f"{NODE_IP}/{NODE_PREFIX}",
            cluster_dns=(DNS_IP,),
            cluster_domain=ZONE,
            ca_file=d.ca_file,
            service_account_token=d.token(),
            image_map=d.image_map,
        )

    async def start_node_network(self) -> None:
        """The node namespace (a crashed run's leftovers removed first) and the Node."""
        d = self._opts.data_dir
        client = Client(self._opts.server, d.token(), str(d.ca_file))
        self._agent_client = client
        agent = Agent(client, self.agent_config())
        self._agent = agent
        await agent.start()

    async def start_agent(self) -> None:
        """The API on the node IP (for the ``kubernetes`` Service), pod streams, pods."""
        assert self._server is not None and self._agent is not None
        sock = await asyncio.to_thread(_node_listener, self._agent.node_netns_path,
                                       self._opts.port)
        await self._server.add_socket(sock)
        self._server.set_pod_streams(PodStreams(self._agent))
        self._agent_task = asyncio.create_task(self._agent.run(), name="agent")
        self._agent_task.add_done_callback(functools.partial(_report_agent_end, self.board))

    # ------------------------------------------------------------------ controllers

    async def start_controllers(self) -> None:
        """Every controller on the shared informers; wait (bounded) for their sync."""
        d = self._opts.data_dir
        client = Client(self._opts.server, d.token(), str(d.ca_file))
        self._client = client
        informers = InformerFactory(client)
        self._informers = informers
        self._manager = ControllerManager(client, informers=informers, lb_pool=self._opts.lb_pool)
        self._spawn(INFORMERS, _Informers(informers))
        self._spawn(CONTROLLERS, self._manager)
        await self._wait_synced("controllers")

    # ------------------------------------------------------------------ proxy and dns

    async def start_proxy(self) -> None:
        """The dataplane in the node namespace, health checks, NodePorts on the host."""
        assert self._informers is not None and self._manager is not None
        node_ns = self.node_netns
        sockets = NetnsSockets(node_ns)
        self._node_sockets = sockets
        node = NodeConfig(self._opts.node_name, ips=(NODE_IP,), pod_cidr=CLUSTER_POD_CIDR,
                          service_cidrs=(SERVICE_CIDR,))
        inner: Dataplane = (NftDataplane(HostNft(node_ns), node) if self.support.nft
                            else UserspaceDataplane(node, sockets))
        dataplane = _Programmed(inner)
        followers: list[Follower] = [
            HealthCheckServer(sockets),
            Publisher(node, sockets, NetnsSockets(None),
                      addresses=self._opts.published_on),
        ]
        proxier = Proxier(self._informers, dataplane, node, followers=followers,
                          warn=self._manager.events.recorder("kube-proxy").warning)
        self._proxier = proxier
        self._proxy_task = self._spawn(PROXY, proxier)
        try:
            async with asyncio.timeout(PROXY_TIMEOUT):
                await dataplane.first_sync.wait()
        except TimeoutError:
            raise SystemError_(f"the proxy did not program the {self.support.dataplane} "
                               f"dataplane within {PROXY_TIMEOUT:.0f} s (see the log; -v "
                               "for more)") from None

    async def start_dns(self) -> None:
        """The cluster DNS on the node IP, published as ``kube-system/kube-dns``."""
        assert self._client is not None and self._informers is not None
        forward = [upstreams.parse(u) for u in self._opts.dns_upstreams] or None
        dns = ClusterDns(self._client, self._informers, netns=self.node_netns,
                         listen_ip=NODE_IP, node_name=self._opts.node_name, zone=ZONE,
                         service_ip=DNS_IP, upstreams=forward)
        self._dns = dns
        self._dns_task = self._spawn(DNS, dns)
        try:
            async with asyncio.timeout(SYNC_TIMEOUT):
                await dns.ready.wait()
        except TimeoutError:
            raise SystemError_(f"the cluster DNS did not start serving on {NODE_IP}:53 "
                               f"within {SYNC_TIMEOUT:.0f} s (see the log; -v for more)"
                               ) from None

    # ------------------------------------------------------------------ stopping

    def stop_stages(self) -> list[Stage]:
        """What to stop, in order, for what has started: the reverse of the start."""
        stages: list[Stage] = []
        if self._dns_task is not None:
            stages.append(("dns stopped", self._stop_dns))
        if self._proxier is not None:
            stages.append(("proxy stopped", self._stop_proxy))
        if self._tasks or self._client is not None:
            stages.append(("controllers stopped", self._stop_controllers))
        if self._agent is not None:
            stages.append(("node agent stopped", self._stop_agent))
        if self._server is not None:
            stages.append(("apiserver stopped", self._server.stop))
        if self._store is not None:
            stages.append((f"store closed ({self._opts.store})", self._store.close))
        return stages

    async def _stop_dns(self) -> None:
        task, self._dns_task = self._dns_task, None
        await _cancel(task)

    async def _stop_proxy(self) -> None:
        task, self._proxy_task = self._proxy_task, None
        await _cancel(task)
        proxier, self._proxier = self._proxier, None
        try:
            if proxier is not None:
                await proxier.cleanup()
        finally:
            if self._node_sockets is not None:
                self._node_sockets.close()
                self._node_sockets = None

    async def _stop_controllers(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _stop_agent(self) -> None:
        task, self._agent_task = self._agent_task, None
        await _cancel(task)
        agent, self._agent = self._agent, None
        try:
            if agent is not None:
                await agent.cleanup()
        finally:
            if self._agent_client is not None:
                await self._agent_client.close()
                self._agent_client = None

    # ------------------------------------------------------------------ helpers

    def _spawn(self, name: str, runner: Runnable) -> asyncio.Task[None]:
        task = asyncio.create_task(_supervise(name, runner, self.board), name=name)
        self._tasks.append(task)
        return task

    async def _wait_synced(self, what: str) -> None:
        assert self._informers is not None
        try:
            async with asyncio.timeout(SYNC_TIMEOUT):
                await self._informers.wait_synced()
        except TimeoutError:
            log.warning("%s' informers not synced after %.0f s; going on", what, SYNC_TIMEOUT)


async def _supervise(name: str, component: Runnable, board: Board) -> None:
    """Run ``component`` until cancelled, restarting it after a failure; the board says
    ``restarting`` (with the error) during the delay and counts each restart."""
    failures = 0
    while True:
        if failures:
            board.rerun(name)
        try:
            await component.run()
            log.warning("component=%s returned; starting it again", name)
            error = "returned"
        except Exception as e:
            log.exception("component=%s failed", name)
            error = one_line(e)
        delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
        board.restarting(name, error)
        failures += 1
        await asyncio.sleep(delay)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _report_agent_end(board: Board, task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    err = task.exception()
    if err is not None:
        log.error("the node agent stopped: %r; pods are no longer run", err, exc_info=err)
        board.failed(AGENT, one_line(err))
    else:
        log.error("the node agent returned; pods are no longer run")
        board.failed(AGENT, "returned; pods are no longer run")


def _node_listener(netns_path: str, port_: int) -> socket.socket:
    """A listening socket on the node IP inside the node namespace (blocking)."""
    return listen_on(nsexec.socket_in(netns_path), NODE_IP, port_)


def _extra_ips(address: str) -> list[str]:
    """The listen address, when clients may reach it by a specific IP (not loopback or any)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return []
    return [] if ip.is_unspecified or ip.is_loopback else [str(ip)]
