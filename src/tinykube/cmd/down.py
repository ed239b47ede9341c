"""``tinykube down``: stop the cluster running on a data dir, and wait until it is gone.

SIGTERM first (the cluster shuts down in stages), SIGKILL if it has not exited after a
timeout. "Gone" means the ``up`` lock is free and the pid no longer runs; a data dir with
nothing running is already down, which is success. Whatever a crashed (or SIGKILLed) run
left — its node's and pods' network namespaces and the processes in them — is removed
(as root; otherwise there can be none).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import TextIO

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.progress import step_line
from tinykube.cmd.running import read_pid, running_pid
from tinykube.errors import ConfigError, SystemError_


def down(data_dir: DataDir, out: TextIO, *, timeout: float = 20.0) -> int:
    pid = running_pid(data_dir)
    if pid is None:
        print(f"no tinykube is running on data dir {data_dir.root}", file=out)
        _clean_leftovers(data_dir, out)
        return 0
    pid = pid if pid > 0 else _wait_for_pid(data_dir)
    start = time.monotonic()
    _signal(pid, signal.SIGTERM)
    if not wait_gone(data_dir, pid, timeout):
        print(f"tinykube (pid {pid}) did not stop in {timeout:.0f} s; killing it", file=out)
        _signal(pid, signal.SIGKILL)
        if not wait_gone(data_dir, pid, 10.0):
            raise SystemError_(f"tinykube (pid {pid}) is still running after SIGKILL")
    ms = (time.monotonic() - start) * 1000
    print(step_line(f"tinykube stopped (pid {pid})", ms), file=out)
    _clean_leftovers(data_dir, out)
    return 0


def _clean_leftovers(data_dir: DataDir, out: TextIO) -> None:
    """Remove what a crashed run left (only root can have created any)."""
    if os.geteuid() != 0:
        return
    from tinykube.cmd import leftovers

    if not leftovers.left(data_dir):
        return
    start = time.monotonic()
    removed = asyncio.run(leftovers.clean(data_dir))
    ms = (time.monotonic() - start) * 1000
    print(step_line(f"removed leftovers ({len(removed)} namespaces)", ms), file=out)


def wait_gone(data_dir: DataDir, pid: int, timeout: float) -> bool:
    """Poll until nothing holds the lock and ``pid`` has exited; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(data_dir) is None and not alive(pid):
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _wait_for_pid(data_dir: DataDir) -> int:
    """The lock is held but the pid file is not written yet: it is, a moment later."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        pid = read_pid(data_dir)
        if pid:
            return pid
        time.sleep(0.05)
    raise SystemError_(f"a tinykube holds {data_dir.lock_file} but wrote no pid file")


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        raise ConfigError(f"tinykube (pid {pid}) runs as another user: stop it as that user "
                          "(e.g. `sudo tinykube down`)") from None
