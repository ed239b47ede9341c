"""The contract every ``proxy.dataplane.Dataplane`` honours, as checks over a harness.

One suite, every backend (like trio's ``check_two_way_stream``): a ``Harness`` wraps a
dataplane with a way to open a new connection from a client address to a service address
and say what happened — which endpoint answered, or ``REFUSED`` (the client is told at
once), or ``DROPPED`` (no answer). The unit tests run every check against the nftables
dataplane on the fake table (the tracer plays the packets) and against the userspace
dataplane on loopback; the root tests run them against real nft in namespaces.

Each check builds its own ``ProxyState`` from the harness's endpoints, syncs it (full, then
partial for changes) and asserts only what both kernels and relays must agree on; it never
asserts timings or a strict rotation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from tinykube.proxy.dataplane import Dataplane
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)

REFUSED = "refused"
DROPPED = "dropped"
SPN = ServicePortName("default", "web", "http", "TCP")
PORT = 80


class Harness(Protocol):
    dataplane: Dataplane
    node: NodeConfig
    pods: Sequence[str]  # endpoint IPs that answer with their own IP
    clients: Sequence[str]  # source addresses a connection can come from
    target_port: int

    def vip(self, i: int) -> str:
        """A service address this harness can use (``i`` = 0, 1, ...)."""
        ...

    async def connect(self, ip: str, port: int, *, client: int = 0, udp: bool = False) -> str:
        """One new connection (or, with ``udp``, a datagram from a new socket); the
        endpoint IP that answered, REFUSED or DROPPED."""
        ...


Check = Callable[[Harness], Awaitable[None]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def _state(h: Harness, eps: Sequence[EndpointInfo], spn: ServicePortName = SPN,
           **kw: object) -> ProxyState:
    info = ServicePortInfo(spn, h.vip(0), PORT, **kw)  # type: ignore[arg-type]
    return ProxyState({spn: info}, {spn: tuple(eps)} if eps else {})


def _ep(h: Harness, i: int, **kw: object) -> EndpointInfo:
    return EndpointInfo(h.pods[i], h.target_port, **kw)  # type: ignore[arg-type]


async def _many(h: Harness, n: int, *, client: int = 0, ip: str | None = None,
                port: int = PORT) -> Counter[str]:
    out: Counter[str] = Counter()
    for _ in range(n):
        out[await h.connect(ip or h.vip(0), port, client=client)] += 1
    return out


# --------------------------------------------------------------------------- checks


@check
async def random_choice_reaches_every_ready_endpoint(h: Harness) -> None:
    eps = [_ep(h, 0), _ep(h, 1), _ep(h, 2, ready=False, serving=False)]
    await h.dataplane.sync(_state(h, eps), None)
    assert set(await _many(h, 40)) == {h.pods[0], h.pods[1]}


@check
async def terminating_endpoints_only_when_none_is_ready(h: Harness) -> None:
    term = _ep(h, 2, ready=False, serving=True, terminating=True)
    await h.dataplane.sync(_state(h, [_ep(h, 0), term]), None)
    assert set(await _many(h, 20)) == {h.pods[0]}
    await h.dataplane.sync(_state(h, [_ep(h, 0, ready=False, serving=False), term]), {SPN})
    assert set(await _many(h, 10)) == {h.pods[2]}


@check
async def no_endpoints_is_refused_until_one_appears(h: Harness) -> None:
    await h.dataplane.sync(_state(h, []), None)
    assert await h.connect(h.vip(0), PORT) == REFUSED
    await h.dataplane.sync(_state(h, [_ep(h, 1)]), {SPN})
    assert await h.connect(h.vip(0), PORT) == h.pods[1]


@check
async def an_unused_port_of_a_service_address_is_refused(h: Harness) -> None:
    await h.dataplane.sync(_state(h, [_ep(h, 0)]), None)
    assert await h.connect(h.vip(0), PORT + 1) == REFUSED


@check
async def internal_local_policy_drops_without_a_local_endpoint(h: Harness) -> None:
    remote = [_ep(h, 0, local=False), _ep(h, 1, local=False)]
    await h.dataplane.sync(_state(h, remote, internal_policy_local=True), None)
    assert await h.connect(h.vip(0), PORT) == DROPPED
    mixed = [*remote, _ep(h, 2, local=True)]
    await h.dataplane.sync(_state(h, mixed, internal_policy_local=True), {SPN})
    assert set(await _many(h, 10)) == {h.pods[2]}


@check
async def client_ip_affinity_keeps_each_client_on_one_endpoint(h: Harness) -> None:
    eps = [_ep(h, 0), _ep(h, 1), _ep(h, 2)]
    await h.dataplane.sync(_state(h, eps, session_affinity_timeout=600), None)
    for client in range(len(h.clients)):
        assert len(await _many(h, 12, client=client)) == 1


@check
async def a_removed_endpoint_gets_no_new_connections_after_the_next_sync(h: Harness) -> None:
    await h.dataplane.sync(_state(h, [_ep(h, 0), _ep(h, 1), _ep(h, 2)]), None)
    assert h.pods[2] in await _many(h, 40)
    await h.dataplane.sync(_state(h, [_ep(h, 0), _ep(h, 1)]), {SPN})
    assert set(await _many(h, 30)) == {h.pods[0], h.pods[1]}


@check
async def node_ports_answer_on_the_node_addresses(h: Harness) -> None:
    await h.dataplane.sync(_state(h, [_ep(h, 0)], node_port=30080), None)
    assert await h.connect(h.node.ips[0], 30080) == h.pods[0]


@check
async def a_removed_service_is_refused(h: Harness) -> None:
    await h.dataplane.sync(_state(h, [_ep(h, 0)]), None)
    assert await h.connect(h.vip(0), PORT) == h.pods[0]
    await h.dataplane.sync(ProxyState({}, {}), {SPN})
    assert await h.connect(h.vip(0), PORT) in (REFUSED, DROPPED)


@check
async def udp_datagrams_reach_the_current_endpoints(h: Harness) -> None:
    udp = ServicePortName("default", "dns", "dns", "UDP")
    await h.dataplane.sync(_state(h, [_ep(h, 0)], udp), None)
    assert await h.connect(h.vip(0), PORT, udp=True) == h.pods[0]
    await h.dataplane.sync(_state(h, [_ep(h, 1)], udp), {udp})
    assert await h.connect(h.vip(0), PORT, udp=True) == h.pods[1]
