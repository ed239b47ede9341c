"""libnftables in the process: one long-lived nft context per network namespace.

Running the ``nft`` binary costs a process, a namespace switch, and a fresh cache read
from the kernel for every transaction. libnftables (``libnftables.so.1``, Debian package
``libnftables1``, which ``nftables`` depends on) does the same work in the process: this
module binds the few functions needed with ctypes (``nft_ctx_new``,
``nft_run_cmd_from_filename``, the output and error buffers) — the Python binding
``python3-nftables`` is a thin wrapper of the same calls, not worth importing from the
system's site-packages.

A context talks to the kernel through a netlink socket, and a socket belongs for life to
the network namespace it was created in; ``setns`` moves only the calling thread. So each
``Session`` is a thread that enters its namespace, creates the context and a second netlink
socket (for the ruleset generation id, ``NFT_MSG_GETGEN``), and then runs the jobs it is
given one at a time. The event loop's thread never moves. libnftables makes no promise
about contexts used from several threads at once, so all calls into it hold one lock.

Nothing here knows nft syntax: ``nft.py`` decides what to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import os
import queue
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tinykube.errors import SystemError_
from tinykube.host import nsexec

T = TypeVar("T")

LIBRARY = "libnftables.so.1"
NFT_CTX_DEFAULT = 0
NFT_CTX_OUTPUT_JSON = 1 << 4
NFT_CTX_OUTPUT_TERSE = 1 << 11  # lists without set elements

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_GETGEN = 16
NFT_MSG_NEWGEN = 15
NFTA_GEN_ID = 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2

_CALLS = threading.Lock()  # every call into libnftables, from any session


@dataclass(frozen=True)
class Outcome:
    """What one nft run returned: success, and its output and error buffers."""

    ok: bool
    output: str
    error: str


class Library:
    """The handful of libnftables functions this module uses, typed for ctypes."""

    def __init__(self, cdll: ctypes.CDLL) -> None:
        vp, cp = ctypes.c_void_p, ctypes.c_char_p
        self._sig(cdll.nft_ctx_new, vp, ctypes.c_uint32)
        self._sig(cdll.nft_ctx_free, None, vp)
        self._sig(cdll.nft_ctx_buffer_output, ctypes.c_int, vp)
        self._sig(cdll.nft_ctx_buffer_error, ctypes.c_int, vp)
        self._sig(cdll.nft_ctx_get_output_buffer, cp, vp)
        self._sig(cdll.nft_ctx_get_error_buffer, cp, vp)
        self._sig(cdll.nft_ctx_output_get_flags, ctypes.c_uint, vp)
        self._sig(cdll.nft_ctx_output_set_flags, None, vp, ctypes.c_uint)
        self._sig(cdll.nft_run_cmd_from_filename, ctypes.c_int, vp, cp)
        self.c = cdll

    @staticmethod
    def _sig(fn: Any, restype: object, *argtypes: object) -> None:
        fn.restype = restype
        fn.argtypes = argtypes


_library: Library | None = None
_load_error: str | None = None


def load() -> Library | None:
    """The library, loaded once; None when it is not installed (see ``load_error``)."""
    global _library, _load_error
    if _library is None and _load_error is None:
        name = ctypes.util.find_library("nftables") or LIBRARY
        try:
            _library = Library(ctypes.CDLL(name, use_errno=True))
        except (OSError, AttributeError) as e:
            _load_error = f"{name}: {e}"
    return _library


def load_error() -> str | None:
    load()
    return _load_error


class Context:
    """One nft context, used only by the thread that created it."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        with _CALLS:
            ptr = lib.c.nft_ctx_new(NFT_CTX_DEFAULT)
            if not ptr:
                raise SystemError_("nft_ctx_new failed")
            self.ptr: int | None = ptr
            lib.c.nft_ctx_buffer_output(ptr)
            lib.c.nft_ctx_buffer_error(ptr)

    def run(self, text: str, *, json: bool = False, terse: bool = False) -> Outcome:
        """Run ``text`` as one transaction. It is read from a memfd rather than a buffer:
        for buffers, nft 1.0.6 quotes the wrong line in its error messages."""
        if self.ptr is None:
            raise SystemError_("nft context is closed")
        c = self.lib.c
        fd = os.memfd_create("nft-input", os.MFD_CLOEXEC)
        try:
            _write_all(fd, text.encode())
            path = f"/proc/self/fd/{fd}"
            with _CALLS:
                flags = c.nft_ctx_output_get_flags(self.ptr)
                flags &= ~(NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE)
                flags |= NFT_CTX_OUTPUT_JSON if json else 0
                flags |= NFT_CTX_OUTPUT_TERSE if terse else 0
                c.nft_ctx_output_set_flags(self.ptr, flags)
                rc = c.nft_run_cmd_from_filename(self.ptr, path.encode())
                out = c.nft_ctx_get_output_buffer(self.ptr) or b""
                err = c.nft_ctx_get_error_buffer(self.ptr) or b""
        finally:
            os.close(fd)
        error = err.decode(errors="replace").replace(f"{path}:", "input:")
        return Outcome(rc == 0, out.decode(errors="replace"), error)

    def close(self) -> None:
        if self.ptr is not None:
            with _CALLS:
                self.lib.c.nft_ctx_free(self.ptr)
            self.ptr = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# --------------------------------------------------------------------------- generation


def getgen_request(seq: int) -> bytes:
    """``NFT_MSG_GETGEN``: a netlink header and an empty ``nfgenmsg``."""
    kind = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN
    return struct.pack("=IHHII", 20, kind, NLM_F_REQUEST, seq, 0) + struct.pack("=BBH", 0, 0, 0)


def parse_newgen(data: bytes) -> int:
    """The generation id in the kernel's ``NFT_MSG_NEWGEN`` answer."""
    if len(data) < 20:
        raise SystemError_("short netlink answer to NFT_MSG_GETGEN")
    length, kind = struct.unpack_from("=IH", data)
    if kind == NLMSG_ERROR:
        (errno,) = struct.unpack_from("=i", data, 16)
        raise SystemError_(f"NFT_MSG_GETGEN: {os.strerror(-errno)}")
    if kind != (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN:
        raise SystemError_(f"unexpected netlink message {kind:#x} for NFT_MSG_GETGEN")
    pos, end = 20, min(length, len(data))
    while pos + 4 <= end:
        alen, atype = struct.unpack_from("=HH", data, pos)
        if alen < 4:
            break
        if atype & 0x3FFF == NFTA_GEN_ID and alen >= 8:
            return int(struct.unpack_from("!I", data, pos + 4)[0])
        pos += (alen + 3) & ~3
    return int(struct.unpack_from("!H", data, 18)[0])  # nfgenmsg.res_id: the low 16 bits


class Generation:
    """A netlink socket that reads the ruleset generation id of its namespace."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        self.sock.settimeout(5.0)
        self.seq = 0

    def get(self) -> int:
        self.seq += 1
        self.sock.send(getgen_request(self.seq))
        while True:  # skip a late answer to an earlier request that timed out
            data = self.sock.recv(65536)
            if len(data) < 16 or struct.unpack_from("=I", data, 8)[0] == self.seq:
                return parse_newgen(data)

    def close(self) -> None:
        self.sock.close()


# --------------------------------------------------------------------------- sessions


@dataclass
class Handle:
    """What a job running on a session's thread gets: the context and the generation."""

    nft: Context
    generation: Generation


_Job = tuple[Callable[[Handle], object], Callable[[object, BaseException | None], None]]


class Session:
    """A thread inside one network namespace that owns a ``Handle`` and runs jobs on it."""

    def __init__(self, lib: Library, path: str) -> None:
        self.path = path
        st = os.stat(path)
        self.ident = (st.st_dev, st.st_ino)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._ready: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self.closed = False
        self._thread = threading.Thread(target=self._main, args=(lib,), daemon=True,
                                        name=f"nft {os.path.basename(path)}")
        self._thread.start()
        failure = self._ready.get()
        if failure is not None:
            self.closed = True
            raise SystemError_(f"cannot open nft in {path}: {failure}") from failure

    def _main(self, lib: Library) -> None:
        try:
            nsexec.enter_netns(self.path)
            st = os.stat("/proc/thread-self/ns/net")
            if (st.st_dev, st.st_ino) != self.ident:
                raise OSError(f"{self.path} changed while it was being entered")
            handle = Handle(Context(lib), Generation())
        except BaseException as e:
            self._ready.put(e)
            return
        self._ready.put(None)
        try:
            while (job := self._jobs.get()) is not None:
                fn, done = job
                try:
                    value = fn(handle)
                except BaseException as e:
                    done(None, e)
                else:
                    done(value, None)
        finally:
            handle.nft.close()
            handle.generation.close()

    def alive(self) -> bool:
        """Still open, and its namespace is still bound at ``path``."""
        if self.closed:
            return False
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self.ident

    async def call(self, fn: Callable[[Handle], T]) -> T:
        """``fn(handle)`` on the session's thread. A cancelled caller does not stop a job
        that already started: nft transactions cannot be interrupted."""
        if self.closed:
            raise SystemError_(f"nft session for {self.path} is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(value: object, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)  # type: ignore[arg-type]

        def done(value: object, error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(settle, value, error)

        abandoned = threading.Event()

        def job(handle: Handle) -> T:
            if abandoned.is_set():
                raise asyncio.CancelledError()
            return fn(handle)

        self._jobs.put((job, done))
        try:
            return await future
        except asyncio.CancelledError:
            abandoned.set()  # not started yet: it never will be
            raise

    def close(self) -> None:
        """Stop the thread once its current job (if any) is done; frees the context."""
        if not self.closed:
            self.closed = True
            self._jobs.put(None)
