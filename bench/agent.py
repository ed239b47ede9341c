"""Agent figures to track: pod start-to-Ready for 100 pods (p50, p99), the agent's memory.

Runs the real agent against an in-process API server (``testing.apiserver``) on a node
namespace named for this run, creates N pods at once (nginx stand-ins by default, whose
Ready means serving; ``--image busybox`` runs ``sleep``), and times each from its create
call to the first watch event showing it Ready. Prints one line per figure with its unit,
then stops every pod and removes every namespace it made. Needs root.

    sudo .venv/bin/python bench/agent.py [--pods 100] [--image nginx|busybox]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tinykube.agent.agent import Agent
from tinykube.agent.config import AgentConfig
from tinykube.api.kinds import POD
from tinykube.client import Client
from tinykube.testing.apiserver import serving


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(what: str, value: float, unit: str, note: str = "") -> None:
    print(f"{what:<44} {value:>10.1f} {unit:<10} {note}", flush=True)


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for row in fh:
                if row.startswith("VmRSS:"):
                    return int(row.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def pod(name: str, node: str, image: str) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": image}
    if image == "busybox":
        container["command"] = ["sleep", "3600"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node, "containers": [container]}}


def is_ready(obj: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


async def watch_ready(client: Client, ready_at: dict[str, float], want: int,
                      done: asyncio.Event) -> None:
    async for event in client.watch(POD, "default"):
        name = event.object["metadata"]["name"]
        if name not in ready_at and is_ready(event.object):
            ready_at[name] = time.monotonic()
            if len(ready_at) >= want:
                done.set()


async def run(pods: int, image: str) -> None:
    with tempfile.TemporaryDirectory(prefix="tinykube-bench-agent-") as tmp:
        base = Path(tmp)
        async with serving(base) as api:
            client = api.client()
            node = f"tinykube-bench-{secrets.token_hex(3)}"
            config = AgentConfig(state_dir=base / "agent", node_name=node,
                                 ca_file=Path(api.ca_file), service_account_token=api.token)
            agent = Agent(client, config)
            start = time.monotonic()
            await agent.start()
            line("node network + Node registration", (time.monotonic() - start) * 1000, "ms")
            task = asyncio.create_task(agent.run())
            ready_at: dict[str, float] = {}
            all_ready = asyncio.Event()
            watcher = asyncio.create_task(watch_ready(client, ready_at, pods, all_ready))
            try:
                await asyncio.sleep(0.5)  # the watch is open
                created: dict[str, float] = {}
                begin = time.monotonic()
                for i in range(pods):
                    name = f"bench-{i}"
                    created[name] = time.monotonic()
                    await client.create(POD, pod(name, node, image))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_ready.wait(), 300)
                lat = [ready_at[n] - created[n] for n in ready_at]
                line(f"pods Ready ({image})", len(lat), "pods", f"of {pods}")
                if lat:
                    line("create -> Ready p50", percentile(lat, 0.5) * 1000, "ms")
                    line("create -> Ready p99", percentile(lat, 0.99) * 1000, "ms")
                    line("all Ready after", (max(ready_at.values()) - begin), "s")
                line("agent process RSS (API server included)", rss_mb(), "MB")
                pids = [r.pid for w in agent.workers() for r in w.running.values()]
                if pids:
                    line("container RSS, mean", sum(rss_mb(p) for p in pids) / len(pids), "MB")
            finally:
                watcher.cancel()
                task.cancel()
                await asyncio.gather(task, watcher, return_exceptions=True)
                stop = time.monotonic()
                await agent.cleanup()
                line("cleanup (all pods and namespaces)", time.monotonic() - stop, "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--image", default="nginx", choices=("nginx", "busybox"))
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/agent.py needs root (network namespaces); skipped", file=sys.stderr)
        return
    asyncio.run(run(args.pods, args.image))


if __name__ == "__main__":
    main()
