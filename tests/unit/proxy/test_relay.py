"""The splice relay moves every byte both ways and passes half-closes on."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket

from tinykube.proxy.relay import relay


async def pair() -> tuple[socket.socket, socket.socket]:
    """Two connected TCP sockets on loopback (non-blocking)."""
    loop = asyncio.get_running_loop()
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen()
    lsock.setblocking(False)
    a = socket.socket()
    a.setblocking(False)
    connect = loop.create_task(loop.sock_connect(a, lsock.getsockname()))
    b, _ = await loop.sock_accept(lsock)
    await connect
    lsock.close()
    return a, b


async def test_bulk_data_both_ways_and_half_close() -> None:
    loop = asyncio.get_running_loop()
    client, proxy_in = await pair()  # client <-> proxy
    proxy_out, server = await pair()  # proxy <-> server
    task = asyncio.create_task(relay(proxy_in, proxy_out))
    payload = os.urandom(3 * 1024 * 1024 + 17)

    async def server_side() -> str:
        digest = hashlib.sha256()
        while chunk := await loop.sock_recv(server, 65536):
            digest.update(chunk)
        await loop.sock_sendall(server, digest.hexdigest().encode())  # after client's EOF
        server.close()
        return digest.hexdigest()

    srv = asyncio.create_task(server_side())
    await loop.sock_sendall(client, payload)
    client.shutdown(socket.SHUT_WR)
    answer = b""
    while chunk := await loop.sock_recv(client, 1024):
        answer += chunk
    client.close()
    counters = await asyncio.wait_for(task, 10)
    assert await srv == hashlib.sha256(payload).hexdigest() == answer.decode()
    assert counters.up == len(payload) and counters.down == 64


async def test_a_reset_ends_both_directions() -> None:
    client, proxy_in = await pair()
    proxy_out, server = await pair()
    task = asyncio.create_task(relay(proxy_in, proxy_out))
    server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    server.close()  # RST
    await asyncio.wait_for(task, 5)
    assert proxy_in.fileno() == -1 and proxy_out.fileno() == -1
    client.close()
