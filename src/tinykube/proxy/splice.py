"""A pipe for splicing one direction of a TCP relay: socket → pipe → socket, in the kernel.

Bulk data should never enter Python: ``splice(2)`` moves it from the source socket into a
pipe and from the pipe into the destination socket without copying it to user space. A
``Pipe`` holds what was taken from the source and not yet delivered (``held``), so a
destination that is full simply leaves it there until it has room. The pipe is enlarged
(best effort) so one call moves up to ``PIPE_SIZE`` bytes.

The caller (``relay.Relay``) decides when to call: ``fill`` and ``drain`` each make one
or more non-blocking calls and report ``EAGAIN`` as "stopped", never as an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

PIPE_SIZE = 1 << 18  # asked of the kernel (default 64 KiB) for fewer, larger splices
_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK


class Pipe:
    """One direction's pipe; ``close`` frees it (the sockets belong to the caller)."""

    __slots__ = ("_r", "_w", "held")

    def __init__(self) -> None:
        self._r, self._w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        with contextlib.suppress(OSError):  # a smaller pipe works, with more calls
            fcntl.fcntl(self._w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self.held = 0  # bytes in the pipe, not yet delivered

    def fill(self, src: int) -> int:
        """Take what ``src`` has (up to the pipe's room): the count, 0 at end of stream,
        -1 if it has nothing now."""
        try:
            n = os.splice(src, self._w, PIPE_SIZE, flags=_FLAGS)
        except BlockingIOError:
            return -1
        self.held += n
        return n

    def drain(self, dst: int) -> int:
        """Deliver what is held to ``dst`` until it is all gone or ``dst`` is full;
        returns the bytes delivered."""
        moved = 0
        while self.held:
            try:
                m = os.splice(self._r, dst, self.held, flags=_FLAGS)
            except BlockingIOError:
                break
            self.held -= m
            moved += m
        return moved

    def close(self) -> None:
        if self._r >= 0:
            os.close(self._r)
            os.close(self._w)
            self._r = self._w = -1
