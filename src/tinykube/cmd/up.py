"""``tinykube up``: one process running the store, the API server and the controllers.

This is the only place that picks concrete backends and wires components together. It
starts them in order, each a timed line of progress, then waits for SIGINT or SIGTERM and
shuts down in stages, the reverse way: the API server stops accepting, the controllers are
cancelled, the client and the store are closed. Nothing here knows how a component works;
``assembly.py`` knows how each one is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Coroutine
from typing import Any, TextIO

from tinykube.cmd import assembly, port
from tinykube.cmd.kubeconfig import write as write_kubeconfig
from tinykube.cmd.options import UpOptions
from tinykube.cmd.progress import READY, Progress, Summary, step_line, summary
from tinykube.cmd.running import ClusterLock

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0


def up(opts: UpOptions, out: TextIO) -> int:
    """Run a cluster in the foreground until SIGINT or SIGTERM."""
    opts.data_dir.prepare()
    lock = ClusterLock(opts.data_dir)
    lock.acquire()
    try:
        port.check_free(opts.address, opts.port)
        run_loop(serve(opts, Progress(out)))
    finally:
        lock.release()
    return 0


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but optional in spirit
        asyncio.run(main)
        return
    uvloop.run(main)


async def serve(opts: UpOptions, progress: Progress) -> None:
    stop = _stop_on_signals()
    cluster = assembly.Cluster(opts)
    try:
        await _start(cluster, opts, progress)
        await stop.wait()
        progress.line("")
        progress.line("stopping tinykube")
    finally:
        await _stop(cluster, progress)


async def _start(cluster: assembly.Cluster, opts: UpOptions, progress: Progress) -> None:
    """Start every component; the kubeconfig is in place before the API answers."""
    d = opts.data_dir
    start = time.perf_counter()
    progress.line(f"tinykube · data dir {d.root}")
    with progress.step("certificates"):
        await asyncio.to_thread(cluster.certificates)
    with progress.step("kubeconfig"):
        write_kubeconfig(d.kubeconfig, opts.server, d.ca_file.read_bytes(), d.token())
    with progress.step(f"store ({opts.store})"):
        await cluster.start_store()
    with progress.step(f"apiserver {opts.address}:{opts.port}"):
        await cluster.start_apiserver()
    with progress.step("controllers"):
        await cluster.start_controllers()
    progress.line(step_line(READY, (time.perf_counter() - start) * 1000))
    if not opts.child:
        progress.line(summary(Summary(str(d.kubeconfig), opts.server, str(d.root))))


async def _stop(cluster: assembly.Cluster, progress: Progress) -> None:
    """Stop what started, in stages; each is bounded, and a failed stage skips no other."""
    for name, stage in cluster.stop_stages():
        with contextlib.suppress(Exception), progress.step(name):
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await stage()
            except Exception:
                log.exception("shutdown stage=%r failed", name)
                raise


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
