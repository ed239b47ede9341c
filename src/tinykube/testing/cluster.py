"""A real tinykube for end-to-end tests and benchmarks, started the way a user starts one.

``start`` runs the ``tinykube up -d`` command as a subprocess on a data dir and a port of
the caller's choosing and returns once it answers; ``stop`` runs ``tinykube down`` and, as
a last resort, SIGKILLs the pid the cluster wrote (it is the process ``start`` began, and
nothing else is ever signalled). ``running`` pairs the two so a failing test still stops
its cluster. ``kill9`` is the crash used by durability tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.down import alive
from tinykube.cmd.port import free_port
from tinykube.cmd.running import read_pid, running_pid

UP_TIMEOUT = 120.0
DOWN_TIMEOUT = 60.0


@dataclass(frozen=True)
class RunningCluster:
    """What a client needs to reach a cluster started by ``start``."""

    data_dir: Path
    port: int
    server: str
    kubeconfig: Path
    token: str
    ca_file: Path

    def pid(self) -> int | None:
        return read_pid(DataDir(self.data_dir))


def tinykube(*args: str) -> list[str]:
    """The argv that runs the ``tinykube`` command of this checkout."""
    return [sys.executable, "-m", "tinykube.cmd.main", *args]


def start(
    data_dir: Path,
    port: int | None = None,
    *,
    store: str = "sqlite",
    env: dict[str, str] | None = None,
) -> RunningCluster:
    """``tinykube up -d``; raises ``RuntimeError`` with its output if it does not succeed."""
    port = port or free_port()
    argv = tinykube("up", "-d", "--data-dir", str(data_dir), "--port", str(port), "--store", store)
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=UP_TIMEOUT, env=env or dict(os.environ),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    d = DataDir(data_dir)
    return RunningCluster(
        data_dir=data_dir,
        port=port,
        server=f"https://127.0.0.1:{port}",
        kubeconfig=d.kubeconfig,
        token=d.token(),
        ca_file=d.ca_file,
    )


def stop(cluster: RunningCluster) -> None:
    """``tinykube down``, then SIGKILL the cluster's own pid if it somehow still runs."""
    pid = cluster.pid()
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            tinykube("down", "--data-dir", str(cluster.data_dir)),
            capture_output=True, timeout=DOWN_TIMEOUT, check=False,
        )
    if pid is not None and alive(pid) and running_pid(DataDir(cluster.data_dir)) == pid:
        os.kill(pid, signal.SIGKILL)


def kill9(cluster: RunningCluster, timeout: float = 10.0) -> None:
    """Crash the cluster with SIGKILL and wait until the kernel has released its lock."""
    pid = cluster.pid()
    if pid is None:
        raise RuntimeError(f"no pid file in {cluster.data_dir}")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while running_pid(DataDir(cluster.data_dir)) is not None or alive(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"tinykube pid {pid} still runs after SIGKILL")
        time.sleep(0.02)


@contextmanager
def running(
    data_dir: Path, port: int | None = None, *, store: str = "sqlite"
) -> Iterator[RunningCluster]:
    """A cluster for the duration of a ``with`` block, stopped even when the block fails."""
    try:
        cluster = start(data_dir, port, store=store)
    except BaseException:
        _stop_leftover(data_dir)
        raise
    try:
        yield cluster
    finally:
        stop(cluster)


def _stop_leftover(data_dir: Path) -> None:
    """A start that failed half-way may have left a background process: stop it."""
    pid = running_pid(DataDir(data_dir))
    if pid is not None and pid > 0:
        subprocess.run(tinykube("down", "--data-dir", str(data_dir)), capture_output=True,
                       timeout=DOWN_TIMEOUT, check=False)
