"""The cluster DNS as a component: ``ClusterDns(...).run()`` until cancelled.

It puts the pieces of this package together the way CoreDNS runs on a node: the zone is fed
by the process's shared informers (Services, EndpointSlices, Pods, Namespaces), the server
listens on the node IP *inside* the node's network namespace (the sockets are created there
by ``host.nssocket`` and served from this process's event loop), metrics are served next to
it, and ``kube-system/kube-dns`` is published so that 10.96.0.10 leads to it. Queries for
names outside the zone are forwarded from the process's own namespace (the host's), where
the host's resolvers, loopback stubs included, are reachable.

Start-up follows CoreDNS (R29): serve at once, answer SERVFAIL instead of NXDOMAIN until the
informers have delivered their first lists, and list this server in the Endpoints once they
have, or after ``sync_timeout`` seconds in any case. The Service and the Endpoints address
are checked again every ``resync`` seconds (a deleted one comes back) and after a failure
with a growing delay; the address is withdrawn when the component stops. ``netns=None``
binds in the current namespace (tests; a process already inside the node's namespace).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Sequence
from dataclasses import replace

from tinykube.dns import feed, publish, resolvconf, upstreams
from tinykube.dns.config import Config, PodMode
from tinykube.dns.forward import Forwarder
from tinykube.dns.metrics import Metrics
from tinykube.dns.publish import KubeDns, Member
from tinykube.dns.server import DnsServer, serve_metrics
from tinykube.dns.upstreams import Upstream
from tinykube.dns.zone import Zone
from tinykube.errors import SystemError_, TinykubeError
from tinykube.host.nssocket import NetnsSockets
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.informer import Informer

log = logging.getLogger(__name__)

SYNC_TIMEOUT = 5.0  # CoreDNS's startup_timeout
RESYNC = 30.0
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0)
WITHDRAW_TIMEOUT = 2.0
BIND_ATTEMPTS = 20  # port 0: UDP's ephemeral port may be taken for TCP


class ClusterDns:
    def __init__(self, api: ApiClient, informers: InformerFactory, *, netns: str | None,
                 listen_ip: str, port: int = 53, metrics_port: int = 9153,
                 zone: str = "cluster.local", service_ip: str = "10.96.0.10",
                 upstreams: Sequence[Upstream] | None = None, node_name: str = "",
                 ttl: int = 5, pods: PodMode = "verified", reuse_port: bool = False,
                 resolv_conf: str = resolvconf.DEFAULT_PATH,
                 sync_timeout: float = SYNC_TIMEOUT, resync: float = RESYNC) -> None:
        self._api = api
        self._informers = informers
        self.netns = netns
        self.listen_ip = listen_ip
        self.port = port  # the bound port once ``ready`` (when asked for 0)
        self.metrics_port = metrics_port
        self.service_ip = service_ip
        self.node_name = node_name
        self._config = Config.build(zone, ttl=ttl, pods=pods, ns_addresses=(listen_ip,))
        self._upstreams = None if upstreams is None else list(upstreams)
        self._resolv_conf = resolv_conf
        self._reuse_port = reuse_port
        self.sync_timeout = sync_timeout
        self.resync = resync
        self.metrics = Metrics()
        self.zone: Zone | None = None
        self._watched: list[Informer] = []
        self.ready = asyncio.Event()  # serving (sockets bound)
        self.published = asyncio.Event()  # kube-dns written at least once
        self._member: Member | None = None  # in the Endpoints: withdraw on stop

    async def run(self) -> None:
        zone, watched = self._attach()
        self.ready.clear()
        self.published.clear()
        own = (self.listen_ip, self.port) if self.netns is None else None
        forwarder = Forwarder(upstreams.choose(self._upstreams, resolv_conf=self._resolv_conf,
                                               own=own), metrics=self.metrics)
        sockets = NetnsSockets(self.netns)
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(sockets.close)
            stack.push_async_callback(forwarder.close)
            server = DnsServer(zone, forwarder=forwarder, metrics=self.metrics,
                               host=self.listen_ip, sockets=await self._bind_dns(sockets))
            await server.start()
            stack.push_async_callback(server.close)
            self.port = server.port
            metrics_server = await self._serve_metrics(sockets)
            stack.push_async_callback(_close_server, metrics_server)
            stack.push_async_callback(self._withdraw)
            log.info("cluster dns serving netns=%s address=%s port=%d metrics=%d zone=%s",
                     self.netns or "-", self.listen_ip, self.port, self.metrics_port,
                     ".".join(label.decode() for label in self._config.zone))
            self.ready.set()
            async with asyncio.TaskGroup() as tg:
                synced = tg.create_task(feed.mark_synced(zone, watched), name="dns-synced")
                await self._publish(synced)

    def _attach(self) -> tuple[Zone, list[Informer]]:
        """The zone on the shared informers, made on the first run only: informers cannot
        drop handlers, so a restarted component keeps the zone they keep feeding."""
        if self.zone is None:
            self.zone = Zone(replace(self._config, serial=int(time.time())),
                             track_namespaces=True)
            self._watched = feed.attach(self.zone, self._informers, namespaces=True)
        return self.zone, self._watched

    # ------------------------------------------------------------------ sockets

    def _family(self) -> int:
        return socket.AF_INET6 if ":" in self.listen_ip else socket.AF_INET

    async def _bound(self, sockets: NetnsSockets, type_: int, port: int) -> socket.socket:
        """A socket of ``type_`` bound to the listen address inside the namespace."""
        sock = await sockets.socket(self._family(), type_)
        try:
            if type_ == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if self._reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.listen_ip, port))
        except BaseException:
            sock.close()
            raise
        return sock

    async def _bind_dns(self, sockets: NetnsSockets) -> tuple[socket.socket, socket.socket]:
        """UDP and TCP on one port (a free one for port 0), inside the namespace."""
        where = f"{self.listen_ip}:{self.port} in netns {self.netns or '(current)'}"
        for _ in range(BIND_ATTEMPTS):
            try:
                udp = await self._bound(sockets, socket.SOCK_DGRAM, self.port)
            except OSError as e:
                raise SystemError_(f"dns cannot listen on {where}: {e}") from e
            try:
                tcp = await self._bound(sockets, socket.SOCK_STREAM, udp.getsockname()[1])
            except OSError as e:
                udp.close()
                if self.port:
                    raise SystemError_(f"dns cannot listen on {where} (TCP): {e}") from e
                continue
            return udp, tcp
        raise SystemError_(f"dns found no port free for both UDP and TCP on {where}")

    async def _serve_metrics(self, sockets: NetnsSockets) -> asyncio.Server:
        try:
            sock = await self._bound(sockets, socket.SOCK_STREAM, self.metrics_port)
        except OSError as e:
            raise SystemError_(f"dns metrics cannot listen on {self.listen_ip}:"
                               f"{self.metrics_port}: {e}") from e
        self.metrics_port = sock.getsockname()[1]
        return await serve_metrics(self.metrics, sock=sock)

    # ------------------------------------------------------------------ kube-dns

    def _spec(self) -> KubeDns:
        return KubeDns(cluster_ip=self.service_ip, dns_port=self.port,
                       metrics_port=self.metrics_port)

    def _candidate(self) -> Member | None:
        why = publish.unpublishable(self.listen_ip)
        if why is None:
            return Member(self.listen_ip, self.node_name)
        log.warning("dns listens on %s: %s, so kube-dns gets no address (the Service only)",
                    self.listen_ip, why)
        return None

    async def _publish(self, synced: asyncio.Task[None]) -> None:
        """Keep kube-dns in line: the Service at once, this server's address once the zone
        has synced (or ``sync_timeout`` has passed); again every ``resync`` seconds."""
        spec, member = self._spec(), self._candidate()
        waited, failures = False, 0
        while True:
            try:
                await publish.ensure_service(self._api, spec)
                if not waited:
                    await self._wait_synced(synced)
                    waited = True
                if member is not None:
                    await publish.ensure_member(self._api, spec, member)
                    self._member = member
                self.published.set()
                failures, delay = 0, self.resync
            except (TinykubeError, OSError) as e:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                log.warning("publishing kube-dns failed (again in %.0f s): %s", delay, e)
            await asyncio.sleep(delay)

    async def _wait_synced(self, synced: asyncio.Task[None]) -> None:
        done, _ = await asyncio.wait({synced}, timeout=self.sync_timeout)
        if not done:
            log.warning("dns informers not synced after %.0f s: serving anyway (SERVFAIL "
                        "instead of NXDOMAIN until they are)", self.sync_timeout)

    async def _withdraw(self) -> None:
        member, self._member = self._member, None
        if member is None:
            return
        try:
            async with asyncio.timeout(WITHDRAW_TIMEOUT):
                await publish.withdraw_member(self._api, self._spec(), member)
        except (TinykubeError, OSError, TimeoutError) as e:
            log.warning("could not take %s out of kube-dns: %s", member.ip, e)


async def _close_server(server: asyncio.Server) -> None:
    server.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.0):
            await server.wait_closed()
