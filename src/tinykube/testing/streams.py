"""Reading a non-blocking socket on the event loop, for tests of the relays and forwarders."""

from __future__ import annotations

import asyncio
import socket


async def recv_exactly(sock: socket.socket, n: int) -> bytes:
    """``n`` bytes; an end of stream before that fails the test."""
    loop = asyncio.get_running_loop()
    out = bytearray()
    while len(out) < n:
        chunk = await loop.sock_recv(sock, n - len(out))
        assert chunk, "early EOF"
        out += chunk
    return bytes(out)


async def recv_all(sock: socket.socket) -> bytes:
    """Everything up to the end of stream."""
    loop = asyncio.get_running_loop()
    out = bytearray()
    while chunk := await loop.sock_recv(sock, 1 << 16):
        out += chunk
    return bytes(out)
