"""Processes in their own namespaces, started through the launcher and watched by pidfd.

``start(Spawn(...))`` runs ``python -I -S launcher.py <options> -- <argv>`` (see
``launcher.py``) in a new session, so the process and everything it forks form one process
group that is signalled as a whole. Output goes to a file (appended), to pipes, or to a
pseudo-terminal whose master side the caller keeps; stdin is /dev/null, a pipe or the
terminal.

Exits are learnt from a pidfd on the event loop, with no thread per child and no SIGCHLD
handler. When a container's main process exits, the rest of its process group is killed
*before* the exit is reaped, while the zombie still pins the pid: no signal can reach a
recycled pid. Exit codes are reported the way container runtimes do: a death by signal N
is ``128 + N``.

``kill_in_netns`` is the sweep for a pod that is torn down or was left by a crashed agent:
it signals every process whose network namespace is the given one of ours, which by
construction is only the pod's processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tinykube.errors import SystemError_

log = logging.getLogger(__name__)

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launcher.py")
Stdio = Literal["file", "pipes", "pty", "null"]


@dataclass(frozen=True)
class Bind:
    """``source`` (a file or directory of ours) seen at ``target`` inside the process."""

    source: str
    target: str
    readonly: bool = False


@dataclass(frozen=True)
class Spawn:
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    netns: str | None = None          # a namespace file to enter
    join_pid: int | None = None       # or: every namespace of this running process
    hostname: str | None = None       # a new UTS namespace with this hostname
    binds: tuple[Bind, ...] = ()      # a private mount namespace with these binds
    scratch: str | None = None        # where overlays for missing bind targets live
    cwd: str | None = None
    stdio: Stdio = "file"
    output: str | None = None         # the file for stdio="file" (stdout and stderr)
    stdin: bool = False               # keep a pipe (or the terminal) to write stdin
    kill_group_on_exit: bool = True   # the main process's exit ends its process group


def launcher_argv(spawn: Spawn, python: str = sys.executable) -> list[str]:
    """The command line that runs ``spawn`` (pure)."""
    argv = [python, "-I", "-S", LAUNCHER]
    if spawn.join_pid is not None:
        argv += ["--join", str(spawn.join_pid)]
    elif spawn.netns is not None:
        argv += ["--net", spawn.netns]
    if spawn.hostname is not None:
        argv += ["--hostname", spawn.hostname]
    for b in spawn.binds:
        argv += ["--bind-ro" if b.readonly else "--bind", b.source, b.target]
    if spawn.scratch is not None:
        argv += ["--scratch", spawn.scratch]
    if spawn.cwd:
        argv += ["--cwd", spawn.cwd]
    if spawn.stdio == "pty":
        argv.append("--tty")
    return [*argv, "--", *spawn.argv]


class Process:
    """A started process: its pid, its exit, and the caller's ends of its stdio."""

    def __init__(self, popen: subprocess.Popen[bytes], *, kill_group: bool,
                 stdin: int | None, stdout: int | None, stderr: int | None,
                 pty: int | None) -> None:
        self._popen = popen
        self.pid = popen.pid
        self._kill_group = kill_group
        self.stdin_fd = stdin
        self.stdout_fd = stdout
        self.stderr_fd = stderr
        self.pty_fd = pty
        self.returncode: int | None = None
        loop = asyncio.get_running_loop()
        self._done: asyncio.Future[int] = loop.create_future()
        self._pidfd = os.pidfd_open(self.pid)
        loop.add_reader(self._pidfd, self._exited)

    def _exited(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        if self._kill_group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)  # the zombie still pins the group id
        rc = self._popen.wait()
        self.returncode = rc if rc >= 0 else 128 - rc
        if not self._done.done():
            self._done.set_result(self.returncode)

    @property
    def running(self) -> bool:
        return self.returncode is None

    async def wait(self) -> int:
        """The exit code (``128 + N`` after signal N)."""
        return await asyncio.shield(self._done)

    def signal(self, sig: int) -> None:
        """Signal the process group while the process has not been reaped."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)

    def close_stdin(self) -> None:
        """End the process's input (its stdin pipe)."""
        if self.stdin_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.stdin_fd)
            self.stdin_fd = None

    def close(self) -> None:
        """Close the caller's ends of stdio."""
        for fd in (self.stdin_fd, self.stdout_fd, self.stderr_fd, self.pty_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.stdin_fd = self.stdout_fd = self.stderr_fd = self.pty_fd = None


def start(spawn: Spawn) -> Process:
    """Start ``spawn`` (from the event loop's thread: its exit is watched there);
    ``SystemError_`` if it cannot be started at all. The launcher reports later failures
    on the process's stderr and exit code. Quick: vfork and exec, no waiting."""
    argv = launcher_argv(spawn)
    mine: list[int] = []       # the caller's ends
    theirs: list[int] = []     # the child's ends, closed here after the start
    try:
        stdin, stdout, stderr, ends = _stdio(spawn, mine, theirs)
        popen = subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=stderr, env=dict(spawn.env),
            start_new_session=True, close_fds=True,
        )
    except OSError as e:
        for fd in mine:
            os.close(fd)
        raise SystemError_(f"cannot start {spawn.argv[0]!r}: {e}") from e
    finally:
        for fd in theirs:
            os.close(fd)
    return Process(popen, kill_group=spawn.kill_group_on_exit, **ends)


def _stdio(spawn: Spawn, mine: list[int], theirs: list[int]
           ) -> tuple[int, int, int, dict[str, int | None]]:
    ends: dict[str, int | None] = {"stdin": None, "stdout": None, "stderr": None, "pty": None}
    if spawn.stdio == "pty":
        master, slave = os.openpty()
        mine.append(master)
        theirs.append(slave)
        os.set_blocking(master, False)
        ends["pty"] = master
        return slave, slave, slave, ends
    stdin = _devnull(theirs, os.O_RDONLY)
    if spawn.stdin:
        r, w = os.pipe()
        mine.append(w)
        theirs.append(r)
        os.set_blocking(w, False)
        ends["stdin"], stdin = w, r
    if spawn.stdio == "pipes":
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        mine += [out_r, err_r]
        theirs += [out_w, err_w]
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        ends["stdout"], ends["stderr"] = out_r, err_r
        return stdin, out_w, err_w, ends
    if spawn.stdio == "file":
        if spawn.output is None:
            raise OSError("stdio='file' needs an output path")
        out = os.open(spawn.output, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        theirs.append(out)
        return stdin, out, out, ends
    null = _devnull(theirs, os.O_WRONLY)
    return stdin, null, null, ends


def _devnull(theirs: list[int], flags: int) -> int:
    fd = os.open(os.devnull, flags | os.O_CLOEXEC)
    theirs.append(fd)
    return fd


def set_window_size(fd: int, columns: int, rows: int) -> None:
    """Resize the terminal whose master side is ``fd`` (its process gets SIGWINCH)."""
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


# --------------------------------------------------------------------------- sweeping


def pids_in_netns(netns_path: str) -> list[int]:
    """Processes whose network namespace is the one bound at ``netns_path``."""
    try:
        st = os.stat(netns_path)
    except FileNotFoundError:
        return []
    want = (st.st_dev, st.st_ino)
    own = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == own:
            continue
        try:
            ns = os.stat(f"/proc/{entry}/ns/net")
        except OSError:
            continue
        if (ns.st_dev, ns.st_ino) == want:
            found.append(int(entry))
    return found


def kill_in_netns(netns_path: str, sig: int = signal.SIGKILL) -> list[int]:
    """Signal every process inside the network namespace at ``netns_path``; the pids."""
    pids = pids_in_netns(netns_path)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    if pids:
        log.info("netns=%s signalled=%d pids=%s", netns_path, sig, pids)
    return pids
