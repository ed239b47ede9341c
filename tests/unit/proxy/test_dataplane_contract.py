"""The dataplane contract, run against the nftables dataplane (fake table + packet tracer)
and the userspace dataplane (real sockets on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator

import pytest

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.model import NodeConfig
from tinykube.proxy.nftables import NftDataplane
from tinykube.proxy.userspace.dataplane import UserspaceDataplane
from tinykube.testing.clock import FakeClock
from tinykube.testing.dataplane_contract import CHECKS, DROPPED, REFUSED, Check
from tinykube.testing.fake_nft import FakeNftRunner, Packet


class NftHarness:
    """Connections are traced through the fake table; each uses a new random seed."""

    node = NodeConfig("node-0", ("172.18.0.2",))
    pods = ("10.244.0.10", "10.244.0.11", "10.244.0.12")
    clients = ("10.244.0.100", "10.244.0.101")
    target_port = 8080

    def __init__(self) -> None:
        self.runner = FakeNftRunner()
        self.clock = FakeClock()
        self.dataplane = NftDataplane(self.runner, self.node, clock=self.clock)
        self._seed = 0

    def vip(self, i: int) -> str:
        return f"10.96.0.{20 + i}"

    async def connect(self, ip: str, port: int, *, client: int = 0, udp: bool = False) -> str:
        self._seed += 1
        t = self.runner.nft.trace(Packet(self.clients[client], ip, port,
                                         "udp" if udp else "tcp"),
                                  local_ips=self.node.ips, seed=self._seed,
                                  now=self.clock.now() + self._seed * 0.01)
        if t.dnat is not None:
            return t.dnat[0]
        return {"reject": REFUSED, "drop": DROPPED}.get(t.verdict, "unmatched")


class UserspaceHarness:
    """Service addresses, endpoints and clients are loopback addresses of this host."""

    node = NodeConfig("node-0", ("127.76.0.1",))
    pods = ("127.78.0.1", "127.78.0.2", "127.78.0.3")
    clients = ("127.79.0.1", "127.79.0.2")
    target_port = 18080

    def __init__(self) -> None:
        self.dataplane = UserspaceDataplane(self.node, NetnsSockets(None),
                                            rng=random.Random(7))
        self.servers: list[asyncio.Server] = []
        self.echoes: list[asyncio.BaseTransport] = []

    def vip(self, i: int) -> str:
        return f"127.77.0.{1 + i}"

    async def start(self) -> None:
        for ip in self.pods:
            async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                             ip: str = ip) -> None:
                w.write(ip.encode())
                await w.drain()
                w.close()

            self.servers.append(await asyncio.start_server(answer, ip, self.target_port))
            await asyncio.get_running_loop().create_datagram_endpoint(
                lambda ip=ip: _Echo(ip.encode(), self.echoes), local_addr=(ip, self.target_port))

    async def stop(self) -> None:
        await self.dataplane.cleanup()
        for s in self.servers:
            s.close()
            await s.wait_closed()
        for e in self.echoes:
            e.close()

    async def connect(self, ip: str, port: int, *, client: int = 0, udp: bool = False) -> str:
        if udp:
            return await self._datagram(ip, port, client)
        try:
            async with asyncio.timeout(0.3):
                r, w = await asyncio.open_connection(ip, port,
                                                     local_addr=(self.clients[client], 0))
                try:
                    data = await r.read()
                finally:
                    w.close()
        except ConnectionRefusedError:
            return REFUSED
        except TimeoutError:
            return DROPPED
        return data.decode() or REFUSED

    async def _datagram(self, ip: str, port: int, client: int) -> str:
        loop = asyncio.get_running_loop()
        got: asyncio.Future[bytes] = loop.create_future()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Catch(got), local_addr=(self.clients[client], 0), remote_addr=(ip, port))
        try:
            transport.sendto(b"?")
            async with asyncio.timeout(0.5):
                return (await got).decode()
        except TimeoutError:
            return DROPPED
        finally:
            transport.close()


class _Echo(asyncio.DatagramProtocol):
    """Answers each datagram with its own address."""

    def __init__(self, name: bytes, opened: list[asyncio.BaseTransport]) -> None:
        self.name = name
        self.opened = opened

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.opened.append(transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(self.name, addr)  # type: ignore[attr-defined]


class _Catch(asyncio.DatagramProtocol):
    def __init__(self, fut: asyncio.Future[bytes]) -> None:
        self.fut = fut

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.fut.done():
            self.fut.set_result(data)


@pytest.fixture(params=["nft", "userspace"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    if request.param == "nft":
        yield NftHarness()
        return
    h = UserspaceHarness()
    await h.start()
    try:
        yield h
    finally:
        with contextlib.suppress(Exception):
            await h.stop()


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
async def test_contract(harness: object, check: Check) -> None:
    await check(harness)  # type: ignore[arg-type]
