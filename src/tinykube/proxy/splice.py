"""One direction of a TCP relay spliced between two sockets, driven by event-loop callbacks.

Bulk data should never enter Python: ``splice(2)`` moves it socket → pipe → socket inside
the kernel. A ``SpliceWay`` does that for one direction, from readiness callbacks
registered once: the source is watched for reading while the pipe is empty, the
destination for writing only while it is full (the one time the registration changes).
Each readiness moves one chunk — a short read means the socket is drained, and the loop's
level-triggered poll calls again if it was not — so a busy stream costs two ``splice``
calls per chunk and no probing for ``EAGAIN``.

It leaves the rest to its owner (``bridge.Bridge``): which file descriptors (its own
duplicates, since an event loop refuses a second watcher on a transport's descriptor),
what an end of stream means, and closing the sockets. It closes only its pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable

PIPE_SIZE = 1 << 18  # asked of the kernel (default 64 KiB) for fewer, larger splices
_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK

Ended = Callable[[BaseException | None], None]


class SpliceWay:
    """Copies ``src`` → ``dst`` until end of stream; ``ended(None)`` then, ``ended(error)``
    on a failure. Counts the bytes it delivered in ``moved``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, src: int, dst: int,
                 ended: Ended) -> None:
        self._loop = loop
        self._src = src
        self._dst = dst
        self._ended: Ended | None = ended
        self._r, self._w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        with contextlib.suppress(OSError):  # best effort: a smaller pipe still works
            fcntl.fcntl(self._w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self._held = 0  # bytes in the pipe, not yet delivered
        self.moved = 0
        loop.add_reader(src, self._readable)

    @property
    def active(self) -> bool:
        return self._ended is not None

    def _readable(self) -> None:
        try:
            n = os.splice(self._src, self._w, PIPE_SIZE, flags=_FLAGS)
        except BlockingIOError:
            return
        except OSError as e:
            self._end(e)
            return
        if n == 0:
            self._end(None)
            return
        self._held = n
        if self._deliver() or not self.active:
            return
        self._loop.remove_reader(self._src)  # the pipe holds data: wait for room in dst
        self._loop.add_writer(self._dst, self._writable)

    def _writable(self) -> None:
        if self._deliver() and self.active:
            self._loop.remove_writer(self._dst)
            self._loop.add_reader(self._src, self._readable)

    def _deliver(self) -> bool:
        """Empty the pipe into ``dst`` as far as it takes it; True when the pipe is empty."""
        while self._held:
            try:
                m = os.splice(self._r, self._dst, self._held, flags=_FLAGS)
            except BlockingIOError:
                return False
            except OSError as e:
                self._end(e)
                return True
            self._held -= m
            self.moved += m
        return True

    def _end(self, error: BaseException | None) -> None:
        ended, self._ended = self._ended, None
        self.close()
        if ended is not None:
            ended(error)

    def close(self) -> None:
        """Stop watching and free the pipe (the sockets are the owner's); idempotent."""
        if self._r < 0:
            return
        self._ended = None
        self._loop.remove_reader(self._src)
        self._loop.remove_writer(self._dst)
        os.close(self._r)
        os.close(self._w)
        self._r = self._w = -1
