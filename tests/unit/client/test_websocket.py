"""exec and attach's WebSocket: the channel protocol both ways, and refused upgrades."""

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from tinykube.client import Client
from tinykube.errors import BadRequest, ClusterNotRunning
from tinykube.wire.channels import ERROR, STDIN, STDOUT

PATH = "/api/v1/namespaces/default/pods/p/exec"


async def exec_handler(request: web.Request) -> web.StreamResponse:
    """Echoes stdin on stdout until v5 closes stdin, then says Success on channel 3."""
    ws = web.WebSocketResponse(protocols=("v5.channel.k8s.io",))
    await ws.prepare(request)
    await ws.send_bytes(b"\x01" + request.query["command"].encode() + b"\n")
    async for msg in ws:
        if msg.type != WSMsgType.BINARY:
            break
        if msg.data == b"\xff\x00":
            await ws.send_bytes(b'\x03{"status":"Success"}')
            break
        await ws.send_bytes(b"\x01" + msg.data[1:])
    await ws.close()
    return ws


async def refuse(request: web.Request) -> web.StreamResponse:
    return web.json_response({"kind": "Status", "code": 400, "reason": "BadRequest",
                              "message": "Upgrade request required"}, status=400)


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    app = web.Application()
    app.router.add_get(PATH, exec_handler)
    app.router.add_get(PATH.replace("exec", "attach"), refuse)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    c = Client(f"http://127.0.0.1:{server.port}", "tok")
    try:
        yield c
    finally:
        await c.close()
        await server.close()


async def test_channels_both_ways(client: Client) -> None:
    async with client.websocket(PATH, [("command", "cat"), ("stdin", "true")]) as ch:
        assert ch.protocol == "v5.channel.k8s.io"
        await ch.send(STDIN, b"hello")
        await ch.close_stdin()
        got = [m async for m in ch.messages()]
    assert got == [(STDOUT, b"cat\n"), (STDOUT, b"hello"),
                   (ERROR, b'{"status":"Success"}')]


async def test_a_refused_upgrade_is_the_servers_answer(client: Client) -> None:
    with pytest.raises(BadRequest) as e:
        async with client.websocket(PATH.replace("exec", "attach")):
            pass
    assert e.value.message == "Upgrade request required"


async def test_no_server_is_cluster_not_running() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}") as c:
        with pytest.raises(ClusterNotRunning):
            async with c.websocket(PATH):
                pass
