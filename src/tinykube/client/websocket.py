"""The client side of exec and attach: a WebSocket speaking ``v5.channel.k8s.io``.

The framing is ``wire.channels``'s. ``Client.websocket`` opens the connection (a refused
upgrade raises the API error the server answered); ``Channels`` sends and receives on it.
What the channels mean for a terminal is the caller's business (``cli.remote``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp

from tinykube.client.failures import translated
from tinykube.errors import ServiceUnavailable
from tinykube.wire.channels import CLOSE, STDIN, frame, split


class Channels:
    """One exec/attach stream: each message is a channel byte and its data."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, base_url: str) -> None:
        self._ws = ws
        self._base_url = base_url

    @property
    def protocol(self) -> str:
        return self._ws.protocol or ""

    async def send(self, channel: int, data: bytes) -> None:
        with translated(self._base_url, "send"):
            await self._ws.send_bytes(frame(channel, data))

    async def close_stdin(self) -> None:
        """v5's half-close of stdin (older protocols have none)."""
        if self.protocol.startswith("v5"):
            await self.send(CLOSE, bytes([STDIN]))

    async def messages(self) -> AsyncIterator[tuple[int, bytes]]:
        """``(channel, data)`` until the server closes the connection."""
        with translated(self._base_url, "receive"):
            async for msg in self._ws:
                if msg.type == aiohttp.WSMsgType.BINARY and msg.data:
                    yield split(msg.data)
                elif msg.type == aiohttp.WSMsgType.TEXT and msg.data:
                    raw = msg.data.encode()
                    yield raw[0] - ord("0"), raw[1:]
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    raise ServiceUnavailable(f"stream failed: {self._ws.exception()}")
