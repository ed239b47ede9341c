"""The health-check node port server, on loopback."""

from __future__ import annotations

import asyncio
import json
import socket

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.healthcheck import HealthCheckServer
from tinykube.proxy.model import EndpointInfo, ProxyState, ServicePortInfo, ServicePortName

LB = ServicePortName("default", "lb", "", "TCP")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def state(port: int, *eps: EndpointInfo) -> ProxyState:
    info = ServicePortInfo(LB, "10.96.0.40", 80, node_port=30080, external_policy_local=True,
                           health_check_node_port=port)
    return ProxyState({LB: info}, {LB: eps})


async def get(port: int) -> tuple[int, dict[str, str], dict[str, object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.0\r\n\r\n")
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


async def test_200_with_local_endpoints_503_without_and_closed_when_gone() -> None:
    port = free_port()
    hc = HealthCheckServer(NetnsSockets(None), address="127.0.0.1")
    try:
        local = EndpointInfo("10.244.0.2", 80, local=True)
        remote = EndpointInfo("10.244.1.2", 80, local=False)
        assert await hc.follow(state(port, local, remote), None) == set()
        code, headers, body = await get(port)
        assert code == 200 and headers["X-Load-Balancing-Endpoint-Weight"] == "1"
        assert body == {"service": {"namespace": "default", "name": "lb"},
                        "localEndpoints": 1, "serviceProxyHealthy": True}
        await hc.follow(state(port, remote), {LB})
        code, _, body = await get(port)
        assert code == 503 and body["localEndpoints"] == 0
        await hc.follow(ProxyState({}, {}), {LB})
        assert hc.ports == {}
        try:
            await get(port)
            raise AssertionError("still listening")
        except ConnectionRefusedError:
            pass
    finally:
        await hc.close()


async def test_a_taken_port_is_a_problem_not_a_crash() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        hc = HealthCheckServer(NetnsSockets(None), address="127.0.0.1")
        try:
            problems = await hc.follow(state(port), None)
            assert [p.reason for p in problems] == ["HealthCheckPortInUse"]
            assert str(port) in next(iter(problems)).message
        finally:
            await hc.close()
