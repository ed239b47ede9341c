"""Run a command inside one of tinykube's network namespaces, without blocking the loop.

``nsenter --net=/run/netns/<name> <argv>`` as an asyncio subprocess, with a deadline. The
namespace must be one of ours (``netns.path`` refuses any other), so nothing run through
here can touch the host's network namespace. Used by ``nft.py`` and
``conntrack.py``; returns the exit code and both outputs and leaves judging them to the
caller, which knows which failures are normal (``conntrack`` exits 1 when nothing matched).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from tinykube.errors import SystemError_
from tinykube.host import netns as namespaces

LIMIT = 120.0  # seconds; a bound on a stuck command, not a latency budget


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str



async def run(netns: str, argv: Sequence[str], *, stdin: str | None = None) -> Completed:
    """Run ``argv`` in ``netns``. Cancelling (e.g. the caller's ``asyncio.timeout``) kills
    the command; a command that overruns ``LIMIT`` seconds raises ``SystemError_``."""
    path = namespaces.path(netns)
    try:
        proc = await asyncio.create_subprocess_exec(
            "nsenter", f"--net={path}", "--", *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except OSError as e:
        raise SystemError_(f"cannot run {argv[0]} in {netns}: {e}") from e
    try:
        async with asyncio.timeout(LIMIT):
            out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    except TimeoutError as e:
        await _kill(proc)
        raise SystemError_(f"{argv[0]} in {netns} took more than {LIMIT} s") from e
    except BaseException:
        await _kill(proc)
        raise
    assert proc.returncode is not None
    return Completed(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    await proc.wait()
