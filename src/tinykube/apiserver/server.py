"""The API server: an aiohttp application behind TLS listeners, started and stopped in stages.

    server = ApiServer(store, tokens=[token], cert_file=..., key_file=...,
                       listen=[("127.0.0.1", 6443)])
    await server.start()      # allocators rebuilt, listeners bound, bootstrap done: ready
    server.url                # https://127.0.0.1:6443 (the bound port when 0 was asked)
    await server.stop()       # not ready -> watches ended -> listeners closed -> drained

The store is started and closed by whoever owns it (it is shared with other
components). One catch-all route feeds ``_handle``: authenticate, parse the path,
answer. Every failure leaves as a Kubernetes ``Status`` body; an unexpected exception
is logged and answered 500, never a dropped connection or a crashed server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable, Sequence

from aiohttp import web

from tinykube.api.kinds import SERVICE
from tinykube.errors import ApiError, InternalError, MethodNotAllowed
from tinykube.store.storage import Storage

from . import auth, bootstrap, podstreams, responses, rest, routes, system, watch
from .cache import Cache
from .negotiation import MAX_BODY
from .registry import Registry, ServiceAllocations

log = logging.getLogger(__name__)

DEFAULT_LISTEN = (("127.0.0.1", 6443),)
SHUTDOWN_TIMEOUT = 5.0
INTERNAL = "an error on the server has prevented the request from succeeding"


class ApiServer:
    def __init__(
        self,
        store: Storage,
        *,
        tokens: Iterable[str] | str,
        cert_file: str,
        key_file: str,
        service_cidr: str = "10.96.0.0/12",
        node_port_range: tuple[int, int] = (30000, 32767),
        advertise_address: str | None = None,
        listen: Sequence[tuple[str, int]] = DEFAULT_LISTEN,
        pod_streams: podstreams.PodStreams | None = None,
        allocator: ServiceAllocations | None = None,
        bookmark_interval: float = 60.0,
        bootstrap_interval: float = 10.0,
    ) -> None:
        self._store = store
        self._auth = auth.TokenAuthenticator([tokens] if isinstance(tokens, str) else tokens)
        self._cert_file, self._key_file = str(cert_file), str(key_file)
        self._service_cidr = service_cidr
        self._node_ports = node_port_range
        self._advertise = advertise_address
        self._listen = list(listen)
        self._allocator = allocator
        self._watchers = watch.Watchers(bookmark_interval)
        self._pod_streams = pod_streams or podstreams.unavailable
        self._runner: web.AppRunner | None = None
        self._ssl: ssl.SSLContext | None = None
        self._addresses: list[tuple[str, int]] = []
        self._ready = False
        self._ctx: rest.Context | None = None
        self._cache: Cache | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._bootstrap_interval = bootstrap_interval

    # ------------------------------------------------------------------ lifecycle

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """The bound (host, port) of every listener, in the order given."""
        return list(self._addresses)

    @property
    def port(self) -> int:
        return self._addresses[0][1]

    @property
    def url(self) -> str:
        host, port = self._addresses[0]
        return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"

    def set_pod_streams(self, handler: podstreams.PodStreams) -> None:
        """Plug in the handler of pods/log, exec, attach and portforward."""
        self._pod_streams = handler
        if self._ctx is not None:
            self._ctx.pod_streams = handler

    async def start(self) -> None:
        """Rebuild the allocators, listen, bootstrap; returns once the server is ready."""
        self._ssl = tls_context(self._cert_file, self._key_file)
        allocator = self._allocator or _service_allocator(self._service_cidr, self._node_ports)
        self._cache = Cache(self._store)
        await self._cache.start()
        try:
            services, _ = await self._cache.list(SERVICE.prefix())
            allocator.rebuild(e.obj for e in services)
            registry = Registry(self._store, allocator, self._cache)
            self._ctx = rest.Context(registry, self._store, self._watchers, self._pod_streams)
            app = web.Application(client_max_size=MAX_BODY)
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None,
                                         shutdown_timeout=SHUTDOWN_TIMEOUT)
            await self._runner.setup()
            for host, port in self._listen:
                await self.add_socket(listen_socket(host, port))
            await bootstrap.run(registry, service_cidr=self._service_cidr,
                                port=self._advertised_port(),
                                advertise_address=self._advertise)
        except BaseException:
            await self.stop()
            raise
        self._ready = True
        self._keeper = asyncio.create_task(self._keep_bootstrapped(registry),
                                           name="apiserver-bootstrap")
        log.info("apiserver ready url=%s", self.url)

    async def add_socket(self, sock: socket.socket) -> None:
        """Serve one more listening socket (e.g. one bound inside a node's namespace)."""
        assert self._runner is not None and self._ssl is not None
        site = web.SockSite(self._runner, sock, ssl_context=self._ssl)
        await site.start()
        host, port = sock.getsockname()[:2]
        self._addresses.append((host, port))

    async def stop(self) -> None:
        """Stop in stages: not ready, watches ended, listeners closed, requests drained."""
        self._ready = False
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        self._watchers.stop_all()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._cache is not None:
            await self._cache.stop()
        log.info("apiserver stopped")

    async def _keep_bootstrapped(self, registry: Registry) -> None:
        """Put back what bootstrap made if someone deleted it, as kube-apiserver does."""
        while True:
            await asyncio.sleep(self._bootstrap_interval)
            try:
                await bootstrap.run(registry, service_cidr=self._service_cidr,
                                    port=self._advertised_port(),
                                    advertise_address=self._advertise)
            except Exception:
                log.exception("bootstrap objects could not be restored")

    def _advertised_port(self) -> int:
        for host, port in self._addresses:
            if self._advertise and host == self._advertise:
                return port
        return self._addresses[0][1]

    # ------------------------------------------------------------------ requests

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            self._auth.authenticate(request.headers.get("Authorization"), request.path)
            route = routes.parse(request.path)
            if isinstance(route, routes.Endpoint):
                if request.method not in ("GET", "HEAD"):
                    raise MethodNotAllowed(rest.NOT_ALLOWED)
                return system.serve(route, request, self._ready)
            assert self._ctx is not None
            return await rest.serve(self._ctx, request, route)
        except ApiError as e:
            if e.code >= 500:
                log.warning("request failed method=%s path=%s code=%d: %s",
                            request.method, request.path, e.code, e.message)
            return responses.error(e)
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:
            log.exception("request failed method=%s path=%s", request.method, request.path)
            return responses.error(InternalError(INTERNAL))


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    ctx.set_alpn_protocols(["http/1.1"])  # Go offers h2 first; aiohttp speaks HTTP/1.1
    return ctx


def listen_socket(host: str, port: int) -> socket.socket:
    """A bound, listening, non-blocking TCP socket. Raises OSError (e.g. port in use)."""
    try:
        v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        v6 = False  # a host name such as localhost: IPv4
    return listen_on(socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                                   socket.SOCK_STREAM), host, port)


def listen_on(sock: socket.socket, host: str, port: int) -> socket.socket:
    """Bind ``sock`` (made here, or inside another network namespace) to host:port and
    listen, non-blocking; closes it and raises OSError when that fails."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _service_allocator(service_cidr: str, node_ports: tuple[int, int]) -> ServiceAllocations:
    from .allocation import ServiceAllocator

    allocator: ServiceAllocations = ServiceAllocator(service_cidr=service_cidr,
                                                     node_ports=node_ports)
    return allocator
