"""The container runtime: a container of a pod started as a process in the pod's sandbox.

``spawn_for`` (pure) turns a container into a ``host.process.Spawn``: the command line,
the environment, the pod's network namespace, a UTS namespace with the pod's hostname,
the pod's resolv.conf, hosts, hostname and service-account files bound over the host's,
the working directory, and the output: appended to ``<restart>.log`` in the pod dir, or
through a pseudo-terminal when the container asks for ``tty`` (``Running`` then copies
the terminal's output to the same log). ``exec_spawn`` is the same for ``kubectl exec``
and exec probes: a process that joins every namespace of the container's main process.

``Running`` is one started container: its process, its terminal or stdin pipe, and the
listeners ``attach`` registers for its terminal output. Container IDs are
``tinykube://<pid>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from tinykube.agent import fdio
from tinykube.agent.sandbox import Layout
from tinykube.api.meta import Obj
from tinykube.host import process

log = logging.getLogger(__name__)

START_ERROR_CODE = 128


def container_id(pid: int) -> str:
    return f"tinykube://{pid}"


def missing_executable(argv: list[str], env: Mapping[str, str]) -> str | None:
    """The kubelet-style message when ``argv[0]`` cannot be found, else None."""
    if not argv:
        return "no command specified"
    exe = argv[0]
    if "/" in exe:
        found = os.access(exe, os.X_OK) and os.path.isfile(exe)
    else:
        found = shutil.which(exe, path=env.get("PATH", "")) is not None
    if found:
        return None
    return (f"failed to create containerd task: exec: \"{exe}\": "
            "executable file not found in $PATH" if "/" not in exe else
            f"failed to create containerd task: exec: \"{exe}\": no such file or directory")


def spawn_for(layout: Layout, container: Obj, argv: list[str], env: Mapping[str, str], *,
              hostname: str, restart: int, service_account: bool) -> process.Spawn:
    tty = bool(container.get("tty"))
    return process.Spawn(
        argv=tuple(argv),
        env=dict(env),
        netns=layout.netns_path,
        hostname=hostname,
        binds=layout.binds(service_account),
        scratch=str(layout.scratch(str(container["name"]), restart)),
        cwd=str(container.get("workingDir") or "/"),
        stdio="pty" if tty else "file",
        output=str(layout.log_path(str(container["name"]), restart)),
        stdin=bool(container.get("stdin")),
    )


def exec_spawn(pid: int, argv: list[str], env: Mapping[str, str], *, tty: bool,
               cwd: str = "/") -> process.Spawn:
    return process.Spawn(argv=tuple(argv), env=dict(env), join_pid=pid, cwd=cwd,
                         stdio="pty" if tty else "pipes", stdin=True,
                         kill_group_on_exit=False)


class Running:
    """One started container."""

    def __init__(self, proc: process.Process, spawn: process.Spawn, started_at: str) -> None:
        self.process = proc
        self.spawn = spawn
        self.started_at = started_at
        self.log_path = Path(spawn.output or "")
        self._listeners: set[Callable[[bytes], None]] = set()
        self._log_fd: int | None = None
        if proc.pty_fd is not None:
            self._log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            asyncio.get_running_loop().add_reader(proc.pty_fd, self._relay)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def id(self) -> str:
        return container_id(self.process.pid)

    @property
    def env(self) -> Mapping[str, str]:
        return self.spawn.env

    @property
    def tty(self) -> bool:
        return self.process.pty_fd is not None

    def _relay(self) -> None:
        fd = self.process.pty_fd
        try:
            data = os.read(fd, 65536) if fd is not None else b""
        except BlockingIOError:
            return
        except OSError:
            data = b""   # EIO: the terminal's last holder is gone
        if not data:
            self._stop_relay()
            return
        if self._log_fd is not None:
            os.write(self._log_fd, data)
        for listener in list(self._listeners):
            listener(data)

    def _drain(self) -> None:
        """Relay what the terminal still buffers after the process ended."""
        for _ in range(64):
            fd = self.process.pty_fd
            if fd is None:
                return
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            if self._log_fd is not None:
                os.write(self._log_fd, data)
            for listener in list(self._listeners):
                listener(data)

    def _stop_relay(self) -> None:
        if self.process.pty_fd is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self.process.pty_fd)

    def listen(self, fn: Callable[[bytes], None]) -> Callable[[], None]:
        """Receive the terminal's output as it comes; returns the function that stops it."""
        self._listeners.add(fn)
        return lambda: self._listeners.discard(fn)

    async def write_stdin(self, data: bytes) -> None:
        """Input for the container (its terminal or its stdin pipe); lost if it has none."""
        fd = self.process.pty_fd if self.process.pty_fd is not None else self.process.stdin_fd
        if fd is None:
            return
        with contextlib.suppress(OSError):
            await fdio.write_all(fd, data)

    async def close_stdin(self) -> None:
        """End the container's input: close its stdin pipe, or type end-of-file on its
        terminal (``stdinOnce`` after the first attach)."""
        if self.process.pty_fd is not None:
            await self.write_stdin(b"\x04")
        else:
            self.process.close_stdin()

    def resize(self, columns: int, rows: int) -> None:
        if self.process.pty_fd is not None:
            process.set_window_size(self.process.pty_fd, columns, rows)

    async def wait(self) -> int:
        code = await self.process.wait()
        self.close()
        return code

    def close(self) -> None:
        if self.process.pty_fd is not None:
            self._drain()
        self._stop_relay()
        self.process.close()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None


def start(spawn: process.Spawn, started_at: str) -> Running:
    """Start the container (from the event loop's thread)."""
    if spawn.scratch:
        Path(spawn.scratch).mkdir(parents=True, exist_ok=True)
    return Running(process.start(spawn), spawn, started_at)
