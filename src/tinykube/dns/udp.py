"""The DNS server's UDP side: one thread answering datagrams outside the event loop.

On a loaded server the event loop's per-datagram machinery (readiness, a callback, one
``recvfrom`` and one ``sendto``) costs more than the answer itself. This thread takes up
to 64 queries per ``recvmmsg``, answers each from ``Replies`` (a dictionary lookup; the
reply is the query's own ID plus a ready tail, sent without copying) and sends them all
with one ``sendmmsg``. A query without a ready reply (new, or its answer changed) is
answered by ``answer`` under the zone's lock, here too. Only what needs the network — forwarding
and chasing an ExternalName upstream — goes to the event loop (``later``), which sends
that reply itself.

Counters are handed to the loop (``publish``) with every batch that answered something
the slow way, and otherwise at least once a second or when traffic stops. Without
``recvmmsg`` (not Linux, no ctypes) the same thread runs a plain ``recvfrom``/``sendto``
loop. ``stop`` wakes the thread with ``shutdown`` and waits for it; the socket may have
been created anywhere, e.g. in another network namespace.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from tinykube.dns import mmsg
from tinykube.dns.answer import Chase, Forward
from tinykube.dns.metrics import Metrics
from tinykube.dns.replies import Replies

log = logging.getLogger(__name__)

Address = tuple[Any, ...]
# Both are called on the UDP thread and must hand over to the event loop themselves;
# ``later`` may instead give a reply to send at once (SERVFAIL when the loop is behind).
Later = Callable[[Forward | Chase, bytes, Address, float], bytes | None]
Publish = Callable[[Metrics], None]

BATCH = 64  # datagrams per system call
SLOT = 4096  # bytes per datagram; a larger query is dropped (no DNS client sends one)
IDLE = 0.25  # seconds without datagrams before counters are handed over
PUBLISH_EVERY = 1.0


class UdpWorker:
    def __init__(self, sock: socket.socket, replies: Replies, *, later: Later,
                 publish: Publish, batched: bool = True) -> None:
        self.sock = sock
        self.replies = replies
        self.later = later
        self.publish = publish
        self.batched = batched and mmsg.available()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        sock = self.sock
        sock.setblocking(True)
        idle = struct.pack("@ll", 0, int(IDLE * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, idle)
        self._thread = threading.Thread(target=self._run, name="dns-udp", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Wake the thread and wait for it; the socket stays open (the caller closes it)."""
        self._stopping = True
        with contextlib.suppress(OSError):  # ENOTCONN, yet it wakes a blocked receive
            self.sock.shutdown(socket.SHUT_RD)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        try:
            batch = None
            if self.batched:
                try:
                    batch = mmsg.Batch(self.sock, BATCH, SLOT)
                except OSError as e:
                    log.warning("DNS over UDP without recvmmsg: %s", e)
            if batch is not None:
                self._serve_batches(batch)
            else:
                self._serve_plain()
        except Exception:
            if not self._stopping:
                log.exception("the DNS UDP thread failed")
        finally:
            self._hand_over(fold=True)

    def _hand_over(self, *, fold: bool) -> None:
        taken = self.replies.take(fold=fold)
        if taken is not None:
            self.publish(taken)

    def _hand_later(self, r: Forward | Chase, query: bytes, addr: Address,
                    started: float) -> bytes | None:
        now = self.later(r, query, addr, started)
        if now is not None:
            self.replies.pending.observe(query, now, time.perf_counter() - started)
        return now

    def _serve_batches(self, batch: mmsg.Batch) -> None:
        clock = time.perf_counter
        publish_at = clock() + PUBLISH_EVERY
        while True:
            n = batch.recv()
            if self._stopping:  # woken by ``stop`` (shutdown reads as an empty datagram)
                break
            now = clock()
            if n:
                try:
                    self._answer(batch, n)
                except Exception:  # a bug costs one batch, never the server
                    log.exception("DNS UDP batch of %d failed", n)
            if not n or now >= publish_at:
                self._hand_over(fold=True)
                publish_at = now + PUBLISH_EVERY

    def _answer(self, batch: mmsg.Batch, n: int) -> None:
        """Answer datagrams ``0 .. n-1`` of ``batch``: the hot loop."""
        started = time.perf_counter()
        replies = self.replies
        lengths, iov, view = batch.lengths, batch.iov, batch.view
        get = replies.current().get
        first = slow = 0
        keep: list[bytes] = []  # slow replies stay alive until sent
        for i, off, at, tail in batch.slots[:n]:
            size = lengths[at]
            reply = get(bytes(view[off + 2 : off + size])) if size < SLOT else None
            if reply is not None:
                iov[tail] = reply.addr
                iov[tail + 1] = reply.size
                reply.hits += 1
                if reply.rotates:
                    reply.advance()
                continue
            slow += 1
            if size >= SLOT:
                replies.pending.dropped += 1
            else:
                query = bytes(view[off : off + size])
                r = replies.fill(query)
                if isinstance(r, Forward | Chase):
                    r = self._hand_later(r, query, batch.address(i), started)
                if type(r) is bytes:
                    keep.append(r)
                    iov[tail] = mmsg.address_of(r) + 2
                    iov[tail + 1] = len(r) - 2
                    continue
            if i > first:  # send what came before; this one gets no reply from here
                batch.send(first, i - first)
            first = i + 1
        if slow:
            self._hand_over(fold=False)  # counted before the client has its answer
        if n > first:
            batch.send(first, n - first)
        replies.pending.time(time.perf_counter() - started, n - slow)

    def _serve_plain(self) -> None:
        clock = time.perf_counter
        publish_at = clock() + PUBLISH_EVERY
        while True:
            try:
                data, addr = self.sock.recvfrom(SLOT)
            except (BlockingIOError, InterruptedError):  # idle (SO_RCVTIMEO)
                data, addr = b"", None
            if self._stopping:  # woken by ``stop`` (shutdown reads as an empty datagram)
                break
            now = clock()
            if addr is not None:
                try:
                    self._answer_one(data, addr)
                except Exception:  # a bug costs one query, never the server
                    log.exception("DNS UDP query of %d bytes failed", len(data))
            if addr is None or now >= publish_at:
                self._hand_over(fold=True)
                publish_at = now + PUBLISH_EVERY

    def _answer_one(self, data: bytes, addr: Address) -> None:
        started = time.perf_counter()
        replies = self.replies
        reply = replies.current().get(data[2:]) if len(data) < SLOT else None
        if reply is not None:
            out = data[:2] + reply.tail
            reply.hits += 1
            if reply.rotates:
                reply.advance()
        else:
            if len(data) >= SLOT:
                replies.pending.dropped += 1
                r: object = None
            else:
                r = replies.fill(data)
            if isinstance(r, Forward | Chase):
                r = self._hand_later(r, data, addr, started)
            self._hand_over(fold=False)
            if type(r) is not bytes:
                return
            out = r
        with contextlib.suppress(OSError):
            self.sock.sendto(out, addr)
        if reply is not None:
            replies.pending.time(time.perf_counter() - started, 1)
