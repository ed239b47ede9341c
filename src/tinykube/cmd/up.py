"""``tinykube up``: one process running the whole cluster.

The store, the API server, the node network and agent (pods), the controllers, the proxy
(dataplane and NodePorts published on the host) and the cluster DNS. This is the only
place that picks concrete backends and wires components together. It starts them in
order, each a timed line of progress, then waits for SIGINT or SIGTERM and shuts down in
stages, the reverse way: DNS, proxy (table removed, host listeners closed), controllers,
agent (pods stopped, every namespace deleted), API server, store. Without root the node
part is off and a ``!`` line says so and what to run instead. Each component's state
goes on the cluster's board as it starts (``tinykube status`` reads it); the board is
taken away after the last stage of a stop. Nothing here knows how a component works;
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

from tinykube.cmd import assembly, nodesupport, port
from tinykube.cmd.addresses import DNS_IP
from tinykube.cmd.kubeconfig import write as write_kubeconfig
from tinykube.cmd.nodelock import NodeLock
from tinykube.cmd.options import UpOptions
from tinykube.cmd.progress import READY, Progress, step_line, summary
from tinykube.cmd.running import ClusterLock

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0


def up(opts: UpOptions, out: TextIO) -> int:
    """Run a cluster in the foreground until SIGINT or SIGTERM."""
    opts.data_dir.prepare()
    lock = ClusterLock(opts.data_dir)
    lock.acquire()
    support = nodesupport.detect()
    node_lock = NodeLock(opts.node_name, opts.data_dir.root)
    try:
        port.check_free(opts.address, opts.port)
        if support.node:
            node_lock.acquire()
        run_loop(serve(opts, support, Progress(out)))
    finally:
        node_lock.release()
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


async def serve(opts: UpOptions, support: nodesupport.NodeSupport, progress: Progress) -> None:
    stop = _stop_on_signals()
    cluster = assembly.Cluster(opts, support)
    try:
        await _start(cluster, opts, progress)
        await stop.wait()
        progress.line("")
        progress.line("stopping tinykube")
    finally:
        await _stop(cluster, progress)


async def _start(cluster: assembly.Cluster, opts: UpOptions, progress: Progress) -> None:
    """Start every component; the kubeconfig is in place before the API answers."""
    d, board = opts.data_dir, cluster.board
    start = time.perf_counter()
    progress.line(f"tinykube · data dir {d.root}")
    cluster.declare_components()
    with progress.step("certificates"):
        await asyncio.to_thread(cluster.certificates)
    with progress.step("kubeconfig"):
        write_kubeconfig(d.kubeconfig, opts.server, d.ca_file.read_bytes(), d.token())
    with progress.step(f"store ({opts.store})"), board.step(assembly.STORE):
        await cluster.start_store()
    with progress.step(f"apiserver {opts.address}:{opts.port}"), board.step(assembly.APISERVER):
        await cluster.start_apiserver()
    support = cluster.support
    for note in support.notes():
        progress.note(note)
    if support.node:
        with board.step(assembly.AGENT):
            with progress.step(f"node network {opts.node_name}"):
                await cluster.start_node_network()
            with progress.step("node agent"):
                await cluster.start_agent()
    with (progress.step("controllers"), board.step(assembly.INFORMERS),
          board.step(assembly.CONTROLLERS)):
        await cluster.start_controllers()
    if support.node:
        with progress.step(f"proxy ({support.dataplane})"), board.step(assembly.PROXY):
            await cluster.start_proxy()
        with progress.step(f"dns {DNS_IP}"), board.step(assembly.DNS):
            await cluster.start_dns()
    progress.line(step_line(READY, (time.perf_counter() - start) * 1000))
    if not opts.child:
        progress.line(summary(opts.summary(support)))


async def _stop(cluster: assembly.Cluster, progress: Progress) -> None:
    """Stop what started, in stages; each is bounded, and a failed stage skips no other."""
    cluster.board.stopping()
    try:
        await _stop_stages(cluster, progress)
    finally:
        cluster.board.remove()


async def _stop_stages(cluster: assembly.Cluster, progress: Progress) -> None:
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
