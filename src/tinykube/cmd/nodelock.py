"""One running cluster per node name on a machine: a lock beside the namespace it names.

A node's network namespace is named after the node (``tinykube-control-plane`` by default),
and the agent deletes a namespace of that name at start as a crashed run's leftover. Two
clusters on different data dirs with the same node name would therefore tear down each
other's node. A running ``up`` holds an exclusive ``flock`` on
``/run/tinykube/node-<name>.lock`` (which holds its pid and data dir) for its whole life;
the kernel drops it when the process dies, even by ``kill -9``, so a free lock means the
namespace of that name, if any, is a leftover anyone may remove. A second ``up`` with the
same name is refused with one line saying who has it; ``down``'s leftover sweep skips a
node whose lock is held. A clean stop removes the file (a lock taken on a file that was
removed meanwhile is dropped and taken again on the new one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from tinykube.errors import ConfigError

LOCK_DIR = Path("/run/tinykube")


def lock_path(node_name: str, directory: Path = LOCK_DIR) -> Path:
    return directory / f"node-{node_name}.lock"


class NodeLock:
    def __init__(self, node_name: str, data_dir: Path, *, directory: Path = LOCK_DIR) -> None:
        self.node_name = node_name
        self.data_dir = data_dir
        self.path = lock_path(node_name, directory)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the node name, or raise ``ConfigError`` naming the cluster that has it."""
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise ConfigError(
                    f"node name {self.node_name} is in use by another tinykube "
                    f"({holder(self.path)}); stop it, or pick another --node-name") from None
            if _same_file(fd, self.path):
                break
            os.close(fd)  # the holder removed it as we opened it: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, data dir {self.data_dir}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise ConfigError(f"cannot open {self.path}: {e.strerror or e}") from e


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def in_use(node_name: str, directory: Path = LOCK_DIR) -> bool:
    """True while a running cluster holds ``node_name``."""
    try:
        fd = os.open(lock_path(node_name, directory), os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False


def holder(path: Path) -> str:
    with contextlib.suppress(OSError):
        text = path.read_text().strip()
        if text:
            return text
    return "unknown pid"
