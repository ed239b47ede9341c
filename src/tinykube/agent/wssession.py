"""An exec or attach session: bytes between a WebSocket and a process, in both directions.

The WebSocket speaks the channel protocol (``wire.channels``, ``channels.py``). Input
frames go to the process's stdin or terminal, resize frames resize its terminal, a v5 close
of stdin ends its input. Output goes out on stdout/stderr (one stream on a terminal).

- exec: the session ends with the process: its remaining output is relayed, the exit
  status sent on the error channel, the WebSocket closed. A client that goes away first
  hangs the process up (SIGHUP, then SIGKILL after a moment): nothing is left running.
- attach: the session follows the container (its terminal, or its log file from the
  current end) until the container's run ends or the client detaches; a ``stdinOnce``
  container's input ends with the first detach. The container itself keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import WSMsgType, web

from tinykube.agent import channels, fdio, logs
from tinykube.agent.channels import Streams
from tinykube.agent.runtime import Running
from tinykube.host.process import Process, set_window_size
from tinykube.wire.channels import CLOSE, RESIZE, STDERR, STDIN, STDOUT, frame, split

log = logging.getLogger(__name__)

DRAIN = 1.0          # seconds to relay output after the process exited
HANGUP_GRACE = 1.0   # seconds between SIGHUP and SIGKILL for an abandoned exec


async def _send(ws: web.WebSocketResponse, channel: int, data: bytes) -> None:
    if data and not ws.closed:
        await ws.send_bytes(frame(channel, data))


async def _pump_fd(ws: web.WebSocketResponse, fd: int, channel: int | None) -> None:
    """Relay ``fd`` to ``channel`` until its end (``None``: read and drop)."""
    while True:
        data = await fdio.read(fd)
        if not data:
            return
        if channel is not None:
            with contextlib.suppress(ConnectionError):
                await _send(ws, channel, data)


async def _feed(ws: web.WebSocketResponse, stdin: Callable[[bytes], Awaitable[None]],
                resize: Callable[[int, int], None],
                end_stdin: Callable[[], Awaitable[None]]) -> None:
    """Read the client's frames until it closes the WebSocket."""
    async for msg in ws:
        if msg.type != WSMsgType.BINARY:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                return
            continue
        try:
            channel, data = split(msg.data)
        except ValueError:
            continue
        if channel == STDIN:
            await stdin(data)
        elif channel == RESIZE:
            with contextlib.suppress(ValueError):
                resize(*channels.resize(data))
        elif channel == CLOSE and data[:1] == bytes((STDIN,)):
            await end_stdin()


async def _finish(ws: web.WebSocketResponse, status: dict[str, object]) -> None:
    with contextlib.suppress(ConnectionError):
        if not ws.closed:
            await ws.send_bytes(channels.status_frame(status))
            await ws.close()


async def _cancel(*tasks: asyncio.Task[None]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --------------------------------------------------------------------------- exec


async def run_exec(ws: web.WebSocketResponse, st: Streams, proc: Process,
                   command: list[str]) -> None:
    await ws.send_bytes(frame(st.first))
    outputs = _exec_outputs(ws, st, proc)

    async def to_stdin(data: bytes) -> None:
        fd = proc.pty_fd if proc.pty_fd is not None else proc.stdin_fd  # None once closed
        if fd is not None and st.stdin:
            with contextlib.suppress(OSError):
                await fdio.write_all(fd, data)

    async def end_stdin() -> None:
        if proc.pty_fd is None:
            proc.close_stdin()

    def resize(cols: int, rows: int) -> None:
        if proc.pty_fd is not None:
            set_window_size(proc.pty_fd, cols, rows)

    if not st.stdin and proc.pty_fd is None:
        proc.close_stdin()
    feeder = asyncio.create_task(_feed(ws, to_stdin, resize, end_stdin))
    waiter = asyncio.create_task(proc.wait())
    try:
        await asyncio.wait({feeder, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if waiter.done():
            if outputs:
                await asyncio.wait(outputs, timeout=DRAIN)
            await _finish(ws, channels.exit_status(waiter.result(), command))
        else:
            await _hang_up(proc)
    finally:
        await _cancel(feeder, *outputs)
        if not waiter.done():
            proc.signal(signal.SIGKILL)
        waiter.cancel()
        proc.close()


def _exec_outputs(ws: web.WebSocketResponse, st: Streams, proc: Process
                  ) -> list[asyncio.Task[None]]:
    pumps = []
    if proc.pty_fd is not None:
        pumps.append(_pump_fd(ws, proc.pty_fd, STDOUT if st.stdout else None))
    if proc.stdout_fd is not None:
        pumps.append(_pump_fd(ws, proc.stdout_fd, STDOUT if st.stdout else None))
    if proc.stderr_fd is not None:
        pumps.append(_pump_fd(ws, proc.stderr_fd, STDERR if st.stderr else None))
    return [asyncio.create_task(p) for p in pumps]


async def _hang_up(proc: Process) -> None:
    proc.signal(signal.SIGHUP)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(HANGUP_GRACE):
            await proc.wait()
            return
    proc.signal(signal.SIGKILL)


# --------------------------------------------------------------------------- attach


async def run_attach(ws: web.WebSocketResponse, st: Streams, run: Running, *,
                     running: Callable[[], bool], log_path: Path, stdin_once: bool) -> None:
    await ws.send_bytes(frame(st.first))

    async def to_stdin(data: bytes) -> None:
        if st.stdin:
            await run.write_stdin(data)

    async def end_stdin() -> None:
        if stdin_once:
            await run.close_stdin()

    output = asyncio.create_task(_attach_output(ws, st, run, running, log_path))
    feeder = asyncio.create_task(_feed(ws, to_stdin, run.resize, end_stdin))
    try:
        await asyncio.wait({output, feeder}, return_when=asyncio.FIRST_COMPLETED)
        if output.done():
            await _finish(ws, {"metadata": {}, "status": "Success"})
        elif st.stdin and stdin_once:
            await run.close_stdin()
    finally:
        await _cancel(output, feeder)


async def _attach_output(ws: web.WebSocketResponse, st: Streams, run: Running,
                         running: Callable[[], bool], log_path: Path) -> None:
    if not st.stdout:
        await run.process.wait()
        return
    if not run.tty:
        async def emit(data: bytes) -> None:
            await _send(ws, STDOUT, data)
        await logs.stream(log_path, logs.LogOptions(follow=True, tail_lines=0), running, emit)
        return
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    stop = run.listen(queue.put_nowait)
    ended = asyncio.create_task(run.process.wait())
    try:
        while True:
            get = asyncio.create_task(queue.get())
            await asyncio.wait({get, ended}, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                while not queue.empty():
                    await _send(ws, STDOUT, queue.get_nowait())
                return
            await _send(ws, STDOUT, get.result())
    finally:
        stop()
        ended.cancel()
