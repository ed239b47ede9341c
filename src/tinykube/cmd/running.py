"""Whether a cluster runs on a data dir: the lock its ``up`` holds, and its pid file.

A running ``tinykube up`` holds an exclusive ``flock`` on ``up.lock`` for its whole life.
The kernel drops the lock when the process dies, even by ``kill -9``, so a free lock means
nothing runs, whatever stale pid file was left behind; a held lock means the pid file
names the process holding it. ``down`` and a second ``up`` rely on this, never on the pid
file alone (pids are reused).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tinykube.cmd.datadir import DataDir
from tinykube.errors import ConfigError


class ClusterLock:
    """The lock and pid file of the ``up`` that owns a data dir."""

    def __init__(self, data_dir: DataDir) -> None:
        self._dir = data_dir
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write our pid, or raise ``ConfigError`` if a cluster runs."""
        fd = _open(self._dir.lock_file)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(already_running(self._dir, read_pid(self._dir))) from None
        self._fd = fd
        self._dir.pid_file.write_text(f"{os.getpid()}\n")

    def release(self) -> None:
        if self._fd is None:
            return
        if read_pid(self._dir) == os.getpid():
            self._dir.pid_file.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def running_pid(data_dir: DataDir) -> int | None:
    """The pid of the ``up`` running on ``data_dir``, or None when nothing runs there."""
    if not data_dir.lock_file.exists():
        return None
    fd = _open(data_dir.lock_file)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_pid(data_dir) or -1
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return None


def read_pid(data_dir: DataDir) -> int | None:
    try:
        return int(data_dir.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def already_running(data_dir: DataDir, pid: int | None) -> str:
    who = f" (pid {pid})" if pid and pid > 0 else ""
    return (
        f"a tinykube cluster is already running on data dir {data_dir.root}{who}; "
        "stop it with `tinykube down`, or pick another --data-dir"
    )


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise ConfigError(f"cannot open {path}: {e.strerror or e}") from e
