"""API figures to track: creates per second, list latency at 10,000 Services, watch delivery.

Starts its own tinykube the way a user does (``tinykube up -d`` on a fresh data dir and a
free port), measures through tinykube's own async client, prints one line per figure
with its unit, and stops the cluster and removes its data dir at the end. These are
figures to follow from run to run, not assertions; the whole run stays around a minute
or two on a 2-core machine.

    .venv/bin/python bench/api.py [--services 10000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tinykube.api.kinds import NAMESPACE, SERVICE
from tinykube.client import Client
from tinykube.testing.cluster import RunningCluster, running

NS = "bench"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "bench"}},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80}]},
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(what: str, value: float, unit: str, note: str = "") -> None:
    print(f"{what:<44} {value:>10.1f} {unit:<10} {note}", flush=True)


async def create_many(api: Client, names: list[str], concurrency: int) -> float:
    """Create ``names`` with ``concurrency`` requests in flight; returns seconds taken."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for n in names:
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            await api.create(SERVICE, service(queue.get_nowait()), NS)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for _ in range(concurrency):
            tg.create_task(worker())
    return time.perf_counter() - start


async def list_latency(api: Client, accept: str, rounds: int) -> tuple[list[float], int]:
    samples, size = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        body = await api.get_raw(SERVICE.path(NS), accept=accept)
        samples.append((time.perf_counter() - start) * 1000)
        size = len(body)
    return samples, size


async def watch_latency(api: Client, count: int) -> list[float]:
    """Create Services one at a time; time from sending each create to seeing its event."""
    _, rv = await api.list(SERVICE, NS, label_selector="app=watched")
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = asyncio.Event()

    async def follow() -> None:
        async for ev in api.watch(SERVICE, NS, resource_version=rv, label_selector="app=watched"):
            name = ev.object.get("metadata", {}).get("name", "")
            if ev.type == "ADDED" and name in sent:
                seen[name] = time.perf_counter()
                if len(seen) == count:
                    done.set()
                    return

    watcher = asyncio.create_task(follow())
    await asyncio.sleep(0.2)  # let the watch reach the server before the first create
    for i in range(count):
        name = f"watched-{i}"
        body = service(name)
        body["metadata"]["labels"] = {"app": "watched"}
        sent[name] = time.perf_counter()
        await api.create(SERVICE, body, NS)
    try:
        await asyncio.wait_for(done.wait(), 30)
    finally:
        watcher.cancel()
    return [(seen[n] - sent[n]) * 1000 for n in seen]


async def measure(cluster: RunningCluster, args: argparse.Namespace) -> None:
    async with Client(cluster.server, cluster.token, str(cluster.ca_file)) as api:
        await api.create(NAMESPACE, {"metadata": {"name": NS}})

        timed = min(args.timed, args.services)
        seconds = await create_many(api, [f"svc-{i}" for i in range(timed)], args.concurrency)
        line("create Service", timed / seconds, "creates/s",
             f"({timed} Services, {args.concurrency} concurrent clients)")

        rest = [f"svc-{i}" for i in range(timed, args.services)]
        if rest:
            await create_many(api, rest, args.concurrency)
        items, _ = await api.list(SERVICE, NS)
        print(f"# {len(items)} Services stored", flush=True)

        for label, accept in (("JSON", "application/json"), ("Table", TABLE)):
            samples, size = await list_latency(api, accept, args.lists)
            note = f"({len(samples)} lists, {size / 1e6:.1f} MB each)"
            line(f"list {len(items)} Services ({label}) p50", statistics.median(samples), "ms",
                 note)
            line(f"list {len(items)} Services ({label}) p99", percentile(samples, 0.99), "ms",
                 note)

        samples = await watch_latency(api, args.watched)
        note = f"({len(samples)} creates, one at a time)"
        line("watch delivery (create -> event) p50", statistics.median(samples), "ms", note)
        line("watch delivery (create -> event) p99", percentile(samples, 0.99), "ms", note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000, help="Services to list")
    parser.add_argument("--timed", type=int, default=2_000, help="creates timed for creates/s")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--lists", type=int, default=10, help="lists per format")
    parser.add_argument("--watched", type=int, default=200, help="creates timed through a watch")
    args = parser.parse_args()

    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="tinykube-bench-") as tmp,
        running(Path(tmp) / "data") as cluster,
    ):
        print(f"# tinykube at {cluster.server}, data dir {cluster.data_dir}", flush=True)
        asyncio.run(measure(cluster, args))
    print(f"# total {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
