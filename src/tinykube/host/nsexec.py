"""Entering Linux namespaces from Python: setns, unshare, mount and sethostname through libc.

Python 3.11 has no ``os.setns`` or ``os.unshare``, so this module binds them with ctypes;
it is the only one that does. ``setns`` moves only the calling thread, so work that must
happen inside a network namespace (``call_in_netns``, ``run_in_netns``) runs on a fresh
thread that enters the namespace and dies with it: the event loop's thread never moves,
and no pooled thread is ever left in a foreign namespace. A socket keeps the namespace it
was created in for life, which is how the agent probes a pod from the host process and how
a server listens inside a namespace while being served from the host's event loop
(``socket_in``).

Standard library only, and no package-relative imports: the container launcher
(``host/launcher.py``) loads this file by path in a Python started with ``-I -S``, so a
container starts without importing tinykube. Failures are ``OSError`` with the errno; the
shells above (``netns.py``, ``process.py``) turn them into ``errors.SystemError_``.
"""

from __future__ import annotations

import ctypes
import os

TYPE_CHECKING = False  # the launcher imports none of typing, asyncio, socket, threading
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

# Where each namespace type is found under /proc/<pid>/ns, and the flag setns expects.
NS_FILES = {"net": CLONE_NEWNET, "uts": CLONE_NEWUTS, "ipc": CLONE_NEWIPC, "mnt": CLONE_NEWNS}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def setns(fd: int, nstype: int) -> None:
    """Move the calling thread into the namespace open at ``fd``."""
    _check(_libc.setns(fd, nstype), "setns")


def unshare(flags: int) -> None:
    """Give the calling thread (or, for mount namespaces, process) new namespaces."""
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    src = source.encode() if source is not None else None
    fs = fstype.encode() if fstype is not None else None
    opts = data.encode() if data is not None else None
    _check(_libc.mount(src, target.encode(), fs, ctypes.c_ulong(flags), opts),
           f"mount {target}")


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(_libc.sethostname(raw, len(raw)), "sethostname")


def enter(path: str, nstype: int) -> None:
    """Move the calling thread into the namespace bound at ``path``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        setns(fd, nstype)
    finally:
        os.close(fd)


def enter_netns(path: str) -> None:
    enter(path, CLONE_NEWNET)


def call_in_netns(path: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a fresh thread inside the network namespace at ``path`` (blocking)."""
    import threading

    result: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            enter_netns(path)
            result.append(fn(*args))
        except BaseException as e:
            failure.append(e)

    t = threading.Thread(target=work, name="netns", daemon=True)
    t.start()
    t.join()
    if failure:
        raise failure[0]
    return result[0]


async def run_in_netns(path: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` inside the network namespace at ``path``, without blocking the loop."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def work() -> None:
        try:
            enter_netns(path)
            value = fn(*args)
        except BaseException as e:
            loop.call_soon_threadsafe(settle, None, e)
            return
        loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=work, name="netns", daemon=True).start()
    return await future


def socket_in(path: str, family: int | None = None, type: int | None = None,
              proto: int = 0) -> socket.socket:
    """A new socket (TCP/IPv4 unless told) that lives in the network namespace at ``path``."""
    import socket

    return call_in_netns(path, socket.socket, family or socket.AF_INET,
                         type or socket.SOCK_STREAM, proto)
