"""kube-proxy's per-Service health-check server on ``healthCheckNodePort``.

A LoadBalancer Service with ``externalTrafficPolicy: Local`` gets a health-check node
port; an external load balancer probes it on every node to learn which nodes have a local
endpoint. Like kube-proxy (``pkg/proxy/healthcheck/service_health.go``) we answer any path
with JSON ``{"service": {"namespace", "name"}, "localEndpoints": N,
"serviceProxyHealthy": true}``, the header ``X-Load-Balancing-Endpoint-Weight: N``, and
status 200 when N ≥ 1, else 503. N counts this node's ready endpoints.

One aiohttp application serves every port; the listening sockets come from a
``SocketFactory`` (the node's namespace in production). A port that cannot be bound is a
``Problem`` for the Service, not a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Set
from dataclasses import dataclass

from aiohttp import web

from tinykube.proxy.follower import Problem
from tinykube.proxy.model import ProxyState, ServicePortName
from tinykube.proxy.sockets import SocketFactory, listener

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Check:
    namespace: str
    name: str
    port: int
    local_endpoints: int


def _checks(state: ProxyState, spns: Set[ServicePortName]) -> dict[str, _Check]:
    """Health checks of the Services among ``spns``, keyed by ``namespace/name``."""
    out: dict[str, _Check] = {}
    for spn in spns:
        info = state.services.get(spn)
        if info is None or not info.health_check_node_port:
            continue
        local = sum(1 for e in state.endpoints.get(spn, ()) if e.local and e.ready)
        prev = out.get(spn.service)
        if prev is None or local > prev.local_endpoints:
            out[spn.service] = _Check(spn.namespace, spn.name, info.health_check_node_port,
                                      local)
    return out


class HealthCheckServer:
    """``Follower`` serving one health-check port per Local-policy Service."""

    def __init__(self, sockets: SocketFactory, *, address: str = "0.0.0.0") -> None:
        self._sockets = sockets
        self._address = address
        self._runner: web.AppRunner | None = None
        self._checks: dict[str, _Check] = {}  # by service
        self._by_port: dict[int, str] = {}
        self._sites: dict[int, web.SockSite] = {}
        self._problems: dict[str, Problem] = {}

    async def _app(self) -> web.AppRunner:
        if self._runner is None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
        return self._runner

    async def _handle(self, request: web.Request) -> web.Response:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        service = self._by_port.get(int(sockname[1])) if sockname else None
        check = self._checks.get(service or "")
        if check is None:
            return web.Response(status=404, text="no such service\n")
        body = {"service": {"namespace": check.namespace, "name": check.name},
                "localEndpoints": check.local_endpoints, "serviceProxyHealthy": True}
        return web.Response(
            status=200 if check.local_endpoints > 0 else 503,
            body=json.dumps(body).encode(), content_type="application/json",
            headers={"X-Content-Type-Options": "nosniff",
                     "X-Load-Balancing-Endpoint-Weight": str(check.local_endpoints)})

    # ------------------------------------------------------------------ Follower

    async def follow(self, state: ProxyState,
                     changed: Set[ServicePortName] | None) -> Set[Problem]:
        if changed is None:
            wanted = _checks(state, set(state.services))
            gone = set(self._checks) - set(wanted)
        else:
            # a changed Service has all its ports in ``changed`` (the trackers see to it)
            wanted = _checks(state, changed)
            gone = {spn.service for spn in changed} & set(self._checks) - set(wanted)
        for service in gone:
            await self._close(service)
        for service, check in wanted.items():
            await self._open(service, check)
        return set(self._problems.values())

    async def _open(self, service: str, check: _Check) -> None:
        old = self._checks.get(service)
        self._checks[service] = check
        if old is not None and old.port == check.port and check.port in self._sites:
            return
        if old is not None:
            await self._stop_port(old.port)
        try:
            sock = await listener(self._sockets, self._address, check.port)
        except OSError as e:
            self._problems[service] = Problem(
                check.namespace, check.name, "HealthCheckPortInUse",
                f"cannot serve the health check on port {check.port}: {e.strerror or e}")
            return
        self._problems.pop(service, None)
        site = web.SockSite(await self._app(), sock)
        await site.start()
        self._sites[check.port] = site
        self._by_port[check.port] = service
        log.info("healthcheck service=%s port=%d", service, check.port)

    async def _close(self, service: str) -> None:
        check = self._checks.pop(service, None)
        self._problems.pop(service, None)
        if check is not None:
            await self._stop_port(check.port)

    async def _stop_port(self, port: int) -> None:
        site = self._sites.pop(port, None)
        self._by_port.pop(port, None)
        if site is not None:
            await site.stop()

    async def close(self) -> None:
        for service in list(self._checks):
            await self._close(service)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def ports(self) -> dict[int, str]:
        return dict(self._by_port)
