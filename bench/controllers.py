"""Controller figures: time from a pod turning Ready to its address being ready in a slice.

Starts an API server in this process (memory store, loopback, a throwaway CA) and a
``ControllerManager`` on it, creates ``--services`` Services with ``--pods`` pods each
(bound to a registered node, Running with an IP, not Ready), waits for every slice to
list them, then marks the pods Ready through the status subresource, ``--concurrency``
writes in flight, and watches the EndpointSlices. For each pod it takes the time from
just before its Ready write was sent to the watch event showing its endpoint
``ready: true``, and prints p50, p99 and the maximum, plus the setup figures. Figures to
follow from run to run, not assertions; the default run stays under about three minutes
on a 2-core machine.

    .venv/bin/python bench/controllers.py [--services 1000] [--pods 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tinykube.api import kinds, meta
from tinykube.client import Client
from tinykube.controllers.manager import ControllerManager
from tinykube.testing import fakenode
from tinykube.testing.apiserver import serving

NS = "bench"
NODE = "bench-node"


def line(what: str, value: float, unit: str, note: str = "") -> None:
    print(f"{what:<48} {value:>10.1f} {unit:<8} {note}", flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def service(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"svc-{i}", "namespace": NS},
            "spec": {"selector": {"app": f"svc-{i}"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def pod(i: int, j: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"svc-{i}-{j}", "namespace": NS,
                         "labels": {"app": f"svc-{i}"}},
            "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "nginx"}]}}


def ip(n: int) -> str:
    return f"10.{244 + n // 65024}.{(n // 254) % 256}.{n % 254 + 1}"


async def bounded(concurrency: int, jobs: list[Any]) -> None:
    """Await the coroutines in ``jobs`` with at most ``concurrency`` in flight."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            await queue.get_nowait()

    async with asyncio.TaskGroup() as tg:
        for _ in range(concurrency):
            tg.create_task(worker())


class SliceWatch:
    """Follows the namespace's EndpointSlices: which pods each lists, and as what."""

    def __init__(self, api: Client) -> None:
        self.api = api
        self.listed: dict[str, bool] = {}  # pod name -> ready
        self.sent: dict[str, float] = {}  # pod name -> when its Ready write was sent
        self.latency: list[float] = []
        self._slices: dict[str, dict[str, bool]] = {}

    async def run(self) -> None:
        items, rv = await self.api.list(kinds.ENDPOINT_SLICE, NS)
        for s in items:
            self._apply("ADDED", s)
        async for ev in self.api.watch(kinds.ENDPOINT_SLICE, NS, resource_version=rv):
            if ev.type in ("ADDED", "MODIFIED", "DELETED"):
                self._apply(ev.type, ev.object)

    def _apply(self, type_: str, s: dict[str, Any]) -> None:
        now = time.perf_counter()
        old = self._slices.pop(meta.name(s), {})
        for name in old:
            self.listed.pop(name, None)
        if type_ == "DELETED":
            return
        current = {str((e.get("targetRef") or {}).get("name")):
                   bool((e.get("conditions") or {}).get("ready"))
                   for e in s.get("endpoints") or []}
        self._slices[meta.name(s)] = current
        for name, ready in current.items():
            self.listed[name] = ready
            sent = self.sent.pop(name, None) if ready else None
            if sent is not None:
                self.latency.append(now - sent)


async def wait_for(check: Any, within: float, what: str) -> None:
    deadline = time.perf_counter() + within
    while not check():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def bench(services: int, per_service: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tinykube-bench-") as tmp:
        async with serving(Path(tmp)) as server:
            api, watcher_api = server.client(), server.client()
            manager = ControllerManager(server.client())
            watch = SliceWatch(watcher_api)
            tasks = [asyncio.create_task(manager.run()), asyncio.create_task(watch.run())]
            try:
                await run_bench(api, manager, watch, services, per_service, concurrency)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


async def run_bench(api: Client, manager: ControllerManager, watch: SliceWatch,
                    services: int, per_service: int, concurrency: int) -> None:
    total = services * per_service
    await api.create(kinds.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": NS}})
    with contextlib.suppress(Exception):
        await api.create(kinds.NODE, {"apiVersion": "v1", "kind": "Node",
                                      "metadata": {"name": NODE}, "status": {"conditions": [
                                          {"type": "Ready", "status": "True"}]}})
    await manager.wait_synced()

    start = time.perf_counter()
    await bounded(concurrency, [api.create(kinds.SERVICE, service(i), NS)
                                for i in range(services)])
    line("services created", services / (time.perf_counter() - start), "/s",
         f"({services} services)")

    pods: dict[str, dict[str, Any]] = {}

    async def make(i: int, j: int) -> None:
        created = await api.create(kinds.POD, pod(i, j), NS)
        n = i * per_service + j
        pods[meta.name(created)] = await fakenode.report(api, created, ip(n), ready=False)

    start = time.perf_counter()
    await bounded(concurrency, [make(i, j) for i in range(services)
                                for j in range(per_service)])
    line("pods created and running (2 writes each)", total / (time.perf_counter() - start),
         "pods/s", f"({total} pods)")
    start = time.perf_counter()
    await wait_for(lambda: len(watch.listed) == total, 600, "every pod in a slice")
    line("slices settled after the last pod", time.perf_counter() - start, "s")

    async def ready(name: str) -> None:
        flipped = copy.deepcopy(pods[name])
        for c in flipped["status"]["conditions"]:
            if c["type"] in ("Ready", "ContainersReady"):
                c["status"], c["lastTransitionTime"] = "True", meta.now()
        watch.sent[name] = time.perf_counter()
        await api.update(kinds.POD, flipped, subresource="status")

    start = time.perf_counter()
    await bounded(concurrency, [ready(name) for name in pods])
    writes = time.perf_counter() - start
    await wait_for(lambda: len(watch.latency) == total, 600, "every endpoint ready")
    elapsed = time.perf_counter() - start
    line("Ready writes", total / writes, "/s", f"({concurrency} in flight)")
    line("all endpoints ready after the first write", elapsed, "s")
    ms = [x * 1000 for x in watch.latency]
    line("pod Ready -> endpoint ready in slice, p50", percentile(ms, 0.50), "ms")
    line("pod Ready -> endpoint ready in slice, p99", percentile(ms, 0.99), "ms")
    line("pod Ready -> endpoint ready in slice, max", max(ms), "ms",
         f"(mean {statistics.fmean(ms):.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10, help="pods per Service")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(bench(args.services, args.pods, args.concurrency))


if __name__ == "__main__":
    main()
