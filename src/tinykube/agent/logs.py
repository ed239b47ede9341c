"""``pods/log``: which file, which part of it, and following it as it grows.

A container's output is a plain file per run (``<pod dir>/containers/<name>/<restart>.log``,
stdout and stderr interleaved as written). ``options`` reads the query kubectl sends
(``container``, ``follow``, ``previous``, ``tailLines``, ``limitBytes``; ``timestamps`` and
``since*`` are accepted, but the files carry no per-line times so they do not filter).
``pick_container`` answers the way the API does when the container is missing or
ambiguous. ``tail`` is pure; ``stream`` reads a file and, when following, keeps reading
until the container's run is over.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest

CHUNK = 64 * 1024
FOLLOW_POLL = 0.1


@dataclass(frozen=True)
class LogOptions:
    container: str | None = None
    follow: bool = False
    previous: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None


def _flag(query: Mapping[str, str], key: str) -> bool:
    return query.get(key, "").lower() in ("true", "1")


def _count(query: Mapping[str, str], key: str) -> int | None:
    if key not in query:
        return None
    try:
        value = int(query[key])
    except ValueError as e:
        raise BadRequest(f"{key}: invalid value {query[key]!r}: must be an integer") from e
    if value < 0 or (key == "limitBytes" and value == 0):
        raise BadRequest(f"{key}: Invalid value: {value}: must be "
                         + ("greater than 0" if key == "limitBytes" else "non-negative"))
    return value


def options(query: Mapping[str, str]) -> LogOptions:
    return LogOptions(
        container=query.get("container") or None,
        follow=_flag(query, "follow"),
        previous=_flag(query, "previous"),
        tail_lines=_count(query, "tailLines"),
        limit_bytes=_count(query, "limitBytes"),
    )


def pick_container(pod: Obj, wanted: str | None) -> str:
    """The container a request is about, or the API's 400 when it cannot tell."""
    spec = pod.get("spec") or {}
    name = (pod.get("metadata") or {}).get("name", "")
    names = [str(c.get("name")) for c in spec.get("containers") or []]
    init = [str(c.get("name")) for c in spec.get("initContainers") or []]
    if wanted:
        if wanted in names or wanted in init:
            return wanted
        raise BadRequest(f"container {wanted} is not valid for pod {name}")
    if len(names) == 1:
        return names[0]
    raise BadRequest(f"a container name must be specified for pod {name}, choose one of: "
                     f"[{' '.join(names)}]" + (f" or one of the init containers: "
                                              f"[{' '.join(init)}]" if init else ""))


def tail(data: bytes, lines: int) -> bytes:
    """The last ``lines`` lines of ``data`` (a final line without newline counts)."""
    if lines <= 0:
        return b""
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    cut = end
    for _ in range(lines):
        cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            return data
    return data[cut + 1:]


def _tail_file(fd: int, size: int, lines: int) -> int:
    """The offset where the last ``lines`` lines of the file start (reads from the end)."""
    block, offset, buf = CHUNK, size, b""
    while offset > 0:
        step = min(block, offset)
        offset -= step
        buf = os.pread(fd, step, offset) + buf
        if buf.count(b"\n") > lines:
            break
    return size - len(tail(buf, lines))


async def stream(path: Path, opts: LogOptions, running: Callable[[], bool],
                 emit: Callable[[bytes], Awaitable[None]]) -> None:
    """Send the log at ``path`` through ``emit``; with ``follow``, until ``running()`` is
    false and the file is read to its end."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        pos = 0
        if opts.tail_lines is not None:
            pos = _tail_file(fd, os.fstat(fd).st_size, opts.tail_lines)
        budget = opts.limit_bytes
        while budget is None or budget > 0:
            data = os.pread(fd, CHUNK if budget is None else min(CHUNK, budget), pos)
            if data:
                pos += len(data)
                if budget is not None:
                    budget -= len(data)
                await emit(data)
                continue
            if not opts.follow or not running():
                if opts.follow and os.fstat(fd).st_size > pos:
                    continue  # the last words of a container that just ended
                return
            await asyncio.sleep(FOLLOW_POLL)
    finally:
        os.close(fd)
