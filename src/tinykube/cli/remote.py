"""Running a command in a pod's container over ``v5.channel.k8s.io`` (exec and attach).

The client side of the Kubernetes channel protocol: stdout and stderr arrive on channels 1
and 2 and are copied to ours; our stdin (``-i``) goes out on channel 0 and its end is
signalled with v5's close message; a terminal (``-t``) is put in raw mode and its size sent
on channel 4; channel 3 carries the final ``Status``, whose ``ExitCode`` cause is the
command's exit status (kubectl prints ``command terminated with exit code N``).
``exit_status`` is the pure part; ``interact`` is the shell around ``Client.websocket``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, TextIO

from tinykube.client import Client
from tinykube.client.websocket import Channels
from tinykube.errors import ApiError, from_status
from tinykube.wire.channels import ERROR, RESIZE, STDERR, STDIN, STDOUT


def exit_status(raw: bytes) -> tuple[int, str]:
    """The exit status a channel-3 ``Status`` reports, and a message for failures."""
    if not raw.strip():
        return 0, ""
    try:
        status: Any = json.loads(raw.decode() or "{}")
    except ValueError:
        return 1, f"error: {raw.decode(errors='replace')}"
    if not isinstance(status, dict) or status.get("status") == "Success":
        return 0, ""
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode" and str(cause.get("message", "")).isdigit():
                code = int(cause["message"])
                return code, f"command terminated with exit code {code}"
    err: ApiError = from_status(status)
    return 1, f"error: {err.message}"


async def interact(client: Client, path: str, params: Sequence[tuple[str, str]], *,
                   stdin: TextIO | None, tty: bool, out: TextIO, err: TextIO) -> int:
    """Run the stream at ``path`` to its end; the exit status of the remote command.
    ``stdin`` is what to send (None: nothing)."""
    async with client.websocket(path, params) as channels:
        feeder = asyncio.create_task(_feed_stdin(channels, stdin, tty)) if stdin else None
        try:
            with _raw_terminal(tty and stdin is not None and stdin.isatty(), stdin):
                code, message = await _pump(channels, out, err)
        finally:
            if feeder is not None:
                feeder.cancel()
                with contextlib.suppress(asyncio.CancelledError, ApiError):
                    await feeder
    if message:
        err.write(message + "\n")
        err.flush()
    return code


async def _pump(channels: Channels, out: TextIO, err: TextIO) -> tuple[int, str]:
    code, message = 0, ""
    async for channel, data in channels.messages():
        if channel == STDOUT:
            _write(out, data)
        elif channel == STDERR:
            _write(err, data)
        elif channel == ERROR:
            code, message = exit_status(data)
    return code, message


def _write(stream: TextIO, data: bytes) -> None:
    binary: BinaryIO | None = getattr(stream, "buffer", None)
    if binary is not None:
        binary.write(data)
        binary.flush()
    else:
        stream.write(data.decode(errors="replace"))
        stream.flush()


async def _feed_stdin(channels: Channels, stdin: TextIO, tty: bool) -> None:
    if tty and stdin.isatty():
        size = shutil.get_terminal_size()
        resize = json.dumps({"Width": size.columns, "Height": size.lines}).encode()
        await channels.send(RESIZE, resize)
    chunks = _stdin_chunks(stdin)
    while True:
        data = await chunks.get()
        if not data:
            await channels.close_stdin()
            return
        await channels.send(STDIN, data)


def _stdin_chunks(stream: TextIO) -> asyncio.Queue[bytes]:
    """What arrives on ``stream``, read by a daemon thread: a blocking read of a terminal
    must not keep the command alive once the remote side is done (an executor thread
    would). A stream without a file descriptor (tests) is sent whole."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    try:
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        chunks.put_nowait(stream.read().encode())
        chunks.put_nowait(b"")
        return chunks

    def read() -> None:
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            try:
                loop.call_soon_threadsafe(chunks.put_nowait, data)
            except RuntimeError:  # the loop is gone
                return
            if not data:
                return

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return chunks


@contextlib.contextmanager
def _raw_terminal(enabled: bool, stdin: TextIO | None) -> Iterator[None]:
    """The local terminal in raw mode while a remote terminal owns it."""
    if not enabled or stdin is None:
        yield
        return
    import termios
    import tty

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
