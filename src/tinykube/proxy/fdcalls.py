"""Socket calls on bare descriptors, for the relay's hot path.

The relay (``relay.Relay``) holds its two sockets as descriptors, not ``socket.socket``
objects: making an object costs a ``getsockname`` and a Python ``__init__`` per socket,
and ``socket.accept`` makes a blocking one that needs another call to fix. ``os`` has
``readv``/``write``/``close`` for descriptors but no ``accept4``, ``connect``,
``shutdown``, ``setsockopt`` or ``getpeername``; these bind them from libc through ctypes' ``PyDLL``
(the GIL is kept: each is a short non-blocking call made on the event loop's thread).
Failures raise ``OSError`` with the errno, as ``os`` does.
"""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import os
import socket
import struct

_libc = ctypes.PyDLL(None, use_errno=True)
_accept4 = _libc.accept4
_accept4.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
_accept4.restype = ctypes.c_int
_shutdown = _libc.shutdown
_shutdown.argtypes = [ctypes.c_int, ctypes.c_int]
_shutdown.restype = ctypes.c_int
_setsockopt = _libc.setsockopt
_setsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                        ctypes.c_uint]
_setsockopt.restype = ctypes.c_int
_connect = _libc.connect
_connect.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
_connect.restype = ctypes.c_int
_getpeername = _libc.getpeername
_getpeername.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
_getpeername.restype = ctypes.c_int

_NONBLOCKING = socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC
_NO_LINGER = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close sends RST
_RETRY = (errno.EINTR, errno.ECONNABORTED)  # a call cut short, a connection gone: next


def _error() -> OSError:
    err = ctypes.get_errno()
    return OSError(err, os.strerror(err))


def accept(listener: int) -> int | None:
    """A new non-blocking connection from ``listener``, or None when none is waiting."""
    while True:
        fd = _accept4(listener, None, None, _NONBLOCKING)
        if fd >= 0:
            return int(fd)
        err = ctypes.get_errno()
        if err in (errno.EAGAIN, errno.EWOULDBLOCK):
            return None
        if err not in _RETRY:
            raise OSError(err, os.strerror(err))


def sockaddr(ip: str, port: int) -> bytes:
    """The ``struct sockaddr_in``/``sockaddr_in6`` for ``connect``, made once per target."""
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + addr.packed \
            + bytes(8)
    return struct.pack("=H", socket.AF_INET6) + struct.pack("!HI", port, 0) + addr.packed \
        + bytes(4)


def connect(fd: int, address: bytes) -> int:
    """Start connecting ``fd`` to ``address`` (a ``sockaddr``): 0 when connected at once,
    else the errno (``EINPROGRESS`` while the handshake goes on)."""
    if _connect(fd, address, len(address)) == 0:
        return 0
    return int(ctypes.get_errno())


def shutdown_write(fd: int) -> None:
    """End our sending half (the peer reads EOF); a socket already gone is no error."""
    if _shutdown(fd, socket.SHUT_WR) != 0 and ctypes.get_errno() != errno.ENOTCONN:
        raise _error()


def linger_zero(fd: int) -> None:
    """Make the coming ``close`` of ``fd`` a reset (RST) instead of an orderly end."""
    _setsockopt(fd, socket.SOL_SOCKET, socket.SO_LINGER, _NO_LINGER, len(_NO_LINGER))


def reset(fd: int) -> None:
    """Close ``fd`` with a reset."""
    linger_zero(fd)
    os.close(fd)


def connected(fd: int) -> bool:
    """Whether the socket has a peer, i.e. its connect finished."""
    buf = ctypes.create_string_buffer(128)
    size = ctypes.c_uint(len(buf))
    return int(_getpeername(fd, buf, ctypes.byref(size))) == 0
