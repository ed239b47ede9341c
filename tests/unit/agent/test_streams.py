"""The agent's pods/log response: a client that leaves a followed log ends it quietly."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tinykube.agent import logs, streams


async def test_a_client_leaving_a_followed_log_is_a_normal_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(logs, "FOLLOW_POLL", 0.01)
    path = tmp_path / "0.log"
    path.write_bytes(b"hello\n")
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            resp = await streams.send_log(request, path, logs.LogOptions(follow=True),
                                          lambda: True)  # the container runs on
        except BaseException as e:
            ended.set_result(f"raised {e!r}")
            raise
        ended.set_result("returned")
        return resp

    app = web.Application()
    app.router.add_get("/log", handler)
    runner = web.AppRunner(app)  # as the API server's: handlers are not cancelled
    await runner.setup()
    sock = _listener()
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    try:
        with caplog.at_level(logging.ERROR, logger="aiohttp"):
            async with aiohttp.ClientSession() as session, \
                    session.get(f"http://127.0.0.1:{port}/log") as resp:
                assert await resp.content.readline() == b"hello\n"
            with path.open("ab") as fh:  # more output once nobody reads it any more
                fh.write(b"more\n")
            async with asyncio.timeout(10):
                outcome = await ended
    finally:
        await runner.cleanup()
    assert outcome == "returned"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock
