"""Many datagrams per system call: Linux ``recvmmsg``/``sendmmsg`` through ctypes.

Python's socket module has neither, and on a loaded DNS server the two system calls per
query are most of the cost. A ``Batch`` owns fixed buffers for ``count`` datagrams of at
most ``slot - 1`` bytes each (a datagram that fills its slot is reported as too big) and
the message headers pointing at them, built once. Reply ``i`` goes back to the address
query ``i`` came from; its payload is two pieces, the query's own ID (read in place from
the receive buffer) and a tail of the caller's choosing, given as an address and a length
— the caller keeps the bytes object alive until ``send`` returns.

Nothing here allocates per datagram: the caller reads lengths and writes tails through
the memoryviews ``lengths`` and ``iov`` at the indexes in ``slots``.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import sys
from typing import Any

MSG_WAITFORONE = 0x10000


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.c_void_p),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _Msghdr), ("msg_len", ctypes.c_uint)]


_NAME = 32  # room for a sockaddr_in6 (28 bytes)
_WORD = ctypes.sizeof(ctypes.c_ulong)  # == size_t == void * on Linux


def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        recv, send = libc.recvmmsg, libc.sendmmsg
    except (OSError, AttributeError):
        return None
    recv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    send.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
    recv.restype = send.restype = ctypes.c_int
    return libc


_LIBC = _libc()


def available() -> bool:
    return _LIBC is not None


def address_of(data: bytes) -> int:
    """Where the bytes of ``data`` live (valid while ``data`` does)."""
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0


class Batch:
    """Buffers and headers to receive then answer up to ``count`` datagrams on ``sock``."""

    def __init__(self, sock: socket.socket, count: int = 64, slot: int = 4096) -> None:
        if _LIBC is None:
            raise OSError(errno.ENOSYS, "recvmmsg/sendmmsg are not available")
        self.sock, self.count, self.slot = sock, count, slot
        self._fd = sock.fileno()
        self._family = sock.family
        namelen = 16 if sock.family == socket.AF_INET else 28  # sockaddr_in / sockaddr_in6
        self.buffer = bytearray(count * slot)
        self.view = memoryview(self.buffer)
        self._pinned = (ctypes.c_char * len(self.buffer)).from_buffer(self.buffer)
        base = ctypes.addressof(self._pinned)
        self._names = (ctypes.c_char * (count * _NAME))()
        names = ctypes.addressof(self._names)
        self._riov = (_Iovec * count)()
        self._siov = (_Iovec * (2 * count))()
        self._rmsg = (_Mmsghdr * count)()
        self._smsg = (_Mmsghdr * count)()
        for i in range(count):
            self._riov[i].iov_base, self._riov[i].iov_len = base + i * slot, slot
            self._siov[2 * i].iov_base, self._siov[2 * i].iov_len = base + i * slot, 2
            for msg, iov, n in ((self._rmsg[i].msg_hdr, self._riov, 1),
                                (self._smsg[i].msg_hdr, self._siov, 2)):
                msg.msg_name = names + i * _NAME
                msg.msg_namelen = namelen if n == 2 else _NAME
                msg.msg_iov = ctypes.addressof(iov) + i * n * ctypes.sizeof(_Iovec)
                msg.msg_iovlen = n
        self._rptr = ctypes.addressof(self._rmsg)
        self._sptr = ctypes.addressof(self._smsg)
        self._msize = ctypes.sizeof(_Mmsghdr)
        per_msg = self._msize // 4
        self.lengths = memoryview(self._rmsg).cast("B").cast("I")
        self.iov = memoryview(self._siov).cast("B").cast("L")  # size_t and pointers
        length_at = _Mmsghdr.msg_len.offset // 4
        per_iov = 2 * ctypes.sizeof(_Iovec) // _WORD  # words per reply (two iovecs)
        tail = ctypes.sizeof(_Iovec) // _WORD
        # (index, receive offset, lengths[] index, iov[] index of the tail's base)
        self.slots = [(i, i * slot, i * per_msg + length_at, i * per_iov + tail)
                      for i in range(count)]

    def recv(self) -> int:
        """Wait for datagrams, take up to ``count``; 0 when woken without any (shutdown,
        receive timeout, signal)."""
        n: int = _LIBC.recvmmsg(self._fd, self._rptr, self.count, MSG_WAITFORONE, None)
        if n < 0:
            err = ctypes.get_errno()
            if err in (errno.EAGAIN, errno.EINTR):
                return 0
            raise OSError(err, "recvmmsg failed")
        return n

    def send(self, first: int, n: int) -> None:
        """Send replies ``first .. first + n - 1`` (what the send buffer takes; UDP may
        drop the rest, as the kernel would have)."""
        while n > 0:
            sent: int = _LIBC.sendmmsg(self._fd, self._sptr + first * self._msize, n, 0)
            if sent <= 0:
                err = ctypes.get_errno()
                if sent < 0 and err == errno.EINTR:
                    continue
                # A bad destination (e.g. port 0) fails the first reply: skip it.
                sent = 1
            first, n = first + sent, n - sent

    def address(self, i: int) -> tuple[Any, ...]:
        """The sender of datagram ``i`` as the socket module spells addresses."""
        raw = ctypes.string_at(ctypes.addressof(self._names) + i * _NAME, _NAME)
        port = int.from_bytes(raw[2:4], "big")
        if self._family == socket.AF_INET:
            return (socket.inet_ntop(socket.AF_INET, raw[4:8]), port)
        return (socket.inet_ntop(socket.AF_INET6, raw[8:24]), port,
                int.from_bytes(raw[4:8], "big"), int.from_bytes(raw[24:28], sys.byteorder))
