"""An edge-triggered epoll set of our own, served by one reader on the event loop.

Registering each relayed socket with the event loop (``add_reader``) costs, in uvloop, a
handle object, a poll object, a lookup in its transport table and an ``ioctl`` per
socket, and level-triggered polling needs an ``epoll_ctl`` to pause a socket or to stop
hearing an ended one. A ``Poller`` keeps its own epoll set instead: a socket is added
once (one ``epoll_ctl``) and leaves by itself when it is closed; edge-triggered events
mean nothing has to be paused. The loop watches only the set's descriptor and, when it
is readable, the poller reads up to ``BATCH`` events in one call and hands each to its
socket's handler.

Edge-triggered means an event is reported once per change: a handler must read until a
short read or ``EAGAIN`` (with ``EPOLLRDHUP``, up to the end of stream), and whoever stops
reading early must resume by itself later. ``relay.Relay`` is written that
way.

A batch may still hold an event for a socket that an earlier handler in the same batch
closed; if the descriptor number were reused at once (an accept later in the batch), that
stale event — a reset, say — would reach the new connection. So sockets are closed
through ``close``, which waits for the end of the batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
from collections.abc import Callable

log = logging.getLogger(__name__)

IN, OUT, ERR = select.EPOLLIN, select.EPOLLOUT, select.EPOLLERR
READABLE = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR
RDHUP = select.EPOLLRDHUP
_MASK = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLET
BATCH = 512
SCRATCH = 1 << 16

Handler = Callable[[int], None]  # called with the epoll event bits


class Poller:
    """Sockets watched for input (and, on request, output) on ``loop``'s behalf."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._ep = select.epoll()
        self.handlers: dict[int, Handler] = {}
        self._dispatching = False
        self._closing: list[int] = []  # closed at the end of the batch
        # one buffer for the handlers to read into: they run one at a time, on the
        # loop's thread (a module-wide buffer would be shared by loops on other threads)
        self.scratch = bytearray(SCRATCH)
        self.scratch_view = memoryview(self.scratch)
        self.scratch_iov = (self.scratch,)
        loop.add_reader(self._ep.fileno(), self._ready)

    def add(self, fd: int, handler: Handler) -> None:
        """Watch ``fd`` for input; ``handler(events)`` on each change."""
        self.handlers[fd] = handler
        self._ep.register(fd, _MASK)

    def want_output(self, fd: int) -> None:
        """Also report ``fd`` becoming writable (for a writer that had to stop)."""
        self._ep.modify(fd, _MASK | OUT)

    def forget(self, fd: int) -> None:
        """Stop calling ``fd``'s handler; closing ``fd`` takes it out of the set."""
        self.handlers.pop(fd, None)

    def close_fd(self, fd: int) -> None:
        """Forget ``fd`` and close it — after the batch being dispatched, if any."""
        self.handlers.pop(fd, None)
        if self._dispatching:
            self._closing.append(fd)
        else:
            os.close(fd)

    def remove(self, fd: int) -> None:
        """Take ``fd`` out of the set (for a descriptor that stays open)."""
        self.handlers.pop(fd, None)
        self._ep.unregister(fd)

    def _ready(self) -> None:
        handlers = self.handlers
        self._dispatching = True
        try:
            for fd, events in self._ep.poll(0, BATCH):
                handler = handlers.get(fd)
                if handler is not None:
                    try:
                        handler(events)
                    except Exception:  # a bug in one handler must not lose the others'
                        log.exception("poller handler for fd %d failed", fd)
        finally:
            self._dispatching = False
            if self._closing:
                closing, self._closing = self._closing, []
                for fd in closing:
                    os.close(fd)

    def close(self) -> None:
        for fd in self._closing:
            os.close(fd)
        self._closing.clear()
        if not self._ep.closed:
            self.loop.remove_reader(self._ep.fileno())
            self._ep.close()
        self.handlers.clear()
