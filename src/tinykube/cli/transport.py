"""The CLI's streaming connections: Table watches, followed logs, exec/attach WebSockets.

``client.Client`` covers request/response and JSON watches; three things kubectl does need
more: a watch that asks for Tables (``get -w`` prints server-side rows), a body read as it
arrives (``logs -f``), and a WebSocket speaking ``v5.channel.k8s.io`` (``exec``, ``run
-it``). They live here, on aiohttp, with the kubeconfig's server, CA and token, and they
fail with the same ``errors`` classes as the client: a refused connection is
``ClusterNotRunning``, an HTTP error is rebuilt from its ``Status``, a refused upgrade is
the API error the server answered. (Candidate for ``client/``: this is the only other
aiohttp home, kept apart because ``client`` is not ours to change.)
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp

from tinykube.client.kubeconfig import KubeConfig
from tinykube.client.stream import LineSplitter
from tinykube.errors import (
    ApiError,
    BadRequest,
    ClusterNotRunning,
    ConfigError,
    ServiceUnavailable,
    from_status,
)
from tinykube.wire import codec

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
CHANNEL_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")

Params = Mapping[str, str] | list[tuple[str, str]]


class Transport:
    """Streams to one API server; close it when done (``async with``)."""

    def __init__(self, cfg: KubeConfig) -> None:
        self.base_url = cfg.server.rstrip("/")
        self._headers = {"User-Agent": "tinykube-cli"}
        if cfg.token:
            self._headers["Authorization"] = f"Bearer {cfg.token}"
        self._ssl = _ssl_context(cfg)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
                headers=self._headers)
        return self._session

    async def lines(self, path: str, params: Params, accept: str = TABLE) -> AsyncIterator[Any]:
        """The decoded JSON lines of a streamed response (a watch), until it ends."""
        splitter = LineSplitter()
        async for chunk in self.chunks(path, params, accept):
            for line in splitter.feed(chunk):
                yield codec.loads(line)
        if tail := splitter.rest():
            yield codec.loads(tail)

    async def chunks(self, path: str, params: Params,
                     accept: str = "*/*") -> AsyncIterator[bytes]:
        """The body of a streamed response as it arrives (``logs -f``)."""
        with _translated(self.base_url):
            async with self._http().get(self.base_url + path, params=params,
                                        headers={"Accept": accept}) as resp:
                if resp.status >= 400:
                    raise _error(resp.status, await resp.read())
                async for chunk in resp.content.iter_any():
                    yield chunk

    @contextlib.asynccontextmanager
    async def websocket(self, path: str, params: Params) -> AsyncIterator[Channels]:
        """A ``v5.channel.k8s.io`` connection (exec and attach)."""
        with _translated(self.base_url):
            try:
                ws = await self._http().ws_connect(
                    self.base_url.replace("http", "ws", 1) + path, params=params,
                    protocols=CHANNEL_PROTOCOLS, heartbeat=30)
            except aiohttp.WSServerHandshakeError as e:
                raise await self._refusal(path, params, e) from e
            try:
                yield Channels(ws)
            finally:
                await ws.close()


    async def _refusal(self, path: str, params: Params,
                       e: aiohttp.WSServerHandshakeError) -> ApiError:
        """Why the upgrade was refused: aiohttp keeps no body, so ask again without it."""
        async with self._http().get(self.base_url + path, params=params) as resp:
            if resp.status >= 400:
                return _error(resp.status, await resp.read())
        message = e.message or f"the server refused the upgrade (HTTP {e.status})"
        return from_status({"code": e.status, "message": message}, e.status)


class Channels:
    """One exec/attach stream: each message is a channel byte and its data."""

    STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws

    @property
    def protocol(self) -> str:
        return self._ws.protocol or ""

    async def send(self, channel: int, data: bytes) -> None:
        with _translated(""):
            await self._ws.send_bytes(bytes([channel]) + data)

    async def close_stdin(self) -> None:
        """v5's half-close of stdin (older protocols have none)."""
        if self.protocol.startswith("v5"):
            await self.send(self.CLOSE, bytes([self.STDIN]))

    async def messages(self) -> AsyncIterator[tuple[int, bytes]]:
        """``(channel, data)`` until the server closes the connection."""
        with _translated(""):
            async for msg in self._ws:
                if msg.type == aiohttp.WSMsgType.BINARY and msg.data:
                    yield msg.data[0], msg.data[1:]
                elif msg.type == aiohttp.WSMsgType.TEXT and msg.data:
                    raw = msg.data.encode()
                    yield raw[0] - ord("0"), raw[1:]
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    raise ServiceUnavailable(f"stream failed: {self._ws.exception()}")


@contextlib.contextmanager
def _translated(base_url: str) -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as e:
        raise ConfigError(f"TLS to {base_url} failed: {e}") from e
    except aiohttp.ClientConnectorError as e:
        raise ClusterNotRunning(f"cannot connect to {base_url}: {e}") from e
    except (TimeoutError, aiohttp.ClientError) as e:
        raise ServiceUnavailable(f"{type(e).__name__}: {e}") from e


def _error(code: int, raw: bytes) -> ApiError:
    status: Any = None
    with contextlib.suppress(BadRequest):
        status = codec.loads(raw) if raw.strip() else None
    if not (isinstance(status, dict) and status.get("kind") == "Status"):
        text = raw.decode("utf-8", "replace").strip()[:500]
        status = {"code": code, "message": text or f"the server responded with HTTP {code}"}
    return from_status(status, code)


def _ssl_context(cfg: KubeConfig) -> ssl.SSLContext | bool:
    if not cfg.server.startswith("https://"):
        return False
    ctx = ssl.create_default_context(cafile=cfg.ca_file)
    if cfg.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif cfg.ca_data:
        ctx.load_verify_locations(cadata=cfg.ca_data.decode())
    return ctx
