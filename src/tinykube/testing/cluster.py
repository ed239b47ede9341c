"""A real tinykube for end-to-end tests and benchmarks, started the way a user starts one.

``start`` runs the ``tinykube up -d`` command as a subprocess on a data dir and a port of
the caller's choosing and returns once it answers; ``stop`` runs ``tinykube down`` and, as
a last resort, SIGKILLs the pid the cluster wrote (it is the process ``start`` began, and
nothing else is ever signalled). ``running`` pairs the two so a failing test still stops
its cluster. ``kill9`` is the crash used by durability tests.

As root the cluster runs its node part too. Every test cluster then gets a node name of its
own, derived from its data dir (stable across restarts of that data dir, distinct from the
clusters other tests run at the same time), and its DNS forwards only to a loopback address
the caller names (by default one where nothing answers): tests never query the host's
resolvers. ``footprint`` and ``remains`` tell what of a cluster's node part exists now and
what is still there after it stopped; ``upstream_dns`` runs a fake resolver on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tinykube.cmd import leftovers
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.down import alive
from tinykube.cmd.port import free_port
from tinykube.cmd.running import read_pid, running_pid
from tinykube.host import netns, process

UP_TIMEOUT = 120.0
DOWN_TIMEOUT = 60.0
NOWHERE_DNS = "127.0.0.1:9"  # the discard port: nothing answers, so outside names SERVFAIL
OUTSIDE = ("outside.tinykube.test", "192.0.2.80")  # what the session's fake upstream knows
ROOT = os.geteuid() == 0


@dataclass(frozen=True)
class RunningCluster:
    """What a client needs to reach a cluster started by ``start``."""

    data_dir: Path
    port: int
    server: str
    kubeconfig: Path
    token: str
    ca_file: Path
    node_name: str = ""

    def pid(self) -> int | None:
        return read_pid(DataDir(self.data_dir))


def node_name_for(data_dir: Path) -> str:
    """The node name of a test cluster: its own, and the same after a restart."""
    digest = hashlib.sha256(str(data_dir.absolute()).encode()).hexdigest()[:8]
    return f"tinykube-e2e-{digest}"


def tinykube(*args: str) -> list[str]:
    """The argv that runs the ``tinykube`` command of this checkout."""
    return [sys.executable, "-m", "tinykube.cmd.main", *args]


def start(
    data_dir: Path,
    port: int | None = None,
    *,
    store: str = "sqlite",
    env: dict[str, str] | None = None,
    dns_upstreams: Sequence[str] = (NOWHERE_DNS,),
    extra: Sequence[str] = (),
) -> RunningCluster:
    """``tinykube up -d``; raises ``RuntimeError`` with its output if it does not succeed."""
    port = port or free_port()
    node = node_name_for(data_dir)
    argv = tinykube("up", "-d", "--data-dir", str(data_dir), "--port", str(port), "--store", store,
                    "--node-name", node, *up_dns_flags(dns_upstreams), *extra)
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
        node_name=node,
    )


def up_dns_flags(upstreams: Sequence[str]) -> list[str]:
    return [flag for u in upstreams for flag in ("--dns-upstream", u)]


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
    data_dir: Path, port: int | None = None, *, store: str = "sqlite",
    dns_upstreams: Sequence[str] = (NOWHERE_DNS,),
) -> Iterator[RunningCluster]:
    """A cluster for the duration of a ``with`` block, stopped even when the block fails."""
    try:
        cluster = start(data_dir, port, store=store, dns_upstreams=dns_upstreams)
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


# --------------------------------------------------------------------------- what is left


@dataclass(frozen=True)
class Footprint:
    """The network namespaces of a cluster's node part and the processes inside them."""

    namespaces: tuple[str, ...]
    pids: tuple[int, ...]


def footprint(data_dir: Path) -> Footprint:
    """What the node part of the cluster on ``data_dir`` has on this machine now."""
    names = leftovers.left(DataDir(data_dir), held_too=True)
    pids = {p for n in names for p in process.pids_in_netns(netns.path(n))}
    return Footprint(tuple(names), tuple(sorted(pids)))


def remains(before: Footprint, data_dir: Path) -> list[str]:
    """What of ``before`` (and of the data dir's records) still exists: namespaces by name,
    processes as ``pid <n>``. Empty when the cluster left nothing behind."""
    names = set(before.namespaces) | set(leftovers.left(DataDir(data_dir), held_too=True))
    left = sorted(n for n in names if netns.exists(n))
    return left + [f"pid {p}" for p in before.pids if alive(p)]


def clean(data_dir: Path) -> None:
    """Remove what a failed test left of the cluster on ``data_dir`` (root only)."""
    if ROOT:
        asyncio.run(leftovers.clean(DataDir(data_dir)))


# --------------------------------------------------------------------------- a fake upstream


@contextmanager
def upstream_dns(records: dict[tuple[str, str], list[str]]) -> Iterator[str]:
    """A fake resolver on 127.0.0.1 (``testing.dns.FakeUpstream``) served by a thread of its
    own for a ``with`` block; yields its ``ADDR:PORT`` for ``--dns-upstream``."""
    from tinykube.testing.dns import FakeUpstream

    loop = asyncio.new_event_loop()
    fake = FakeUpstream(records)
    thread = threading.Thread(target=loop.run_forever, name="fake-upstream-dns", daemon=True)
    thread.start()
    try:
        host, port = asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
        yield f"{host}:{port}"
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
