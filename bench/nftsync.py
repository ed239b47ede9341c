"""How long one small nftables transaction takes on a big table, for every way to send it.

Programs N ClusterIP Services with two endpoints each (default 10,000) through the real
proxy planner and ``NftDataplane`` into a fresh network namespace, then times syncs of one
endpoint change (a pod replaced: one endpoint's address moves) through each candidate in
turn, round-robin so the machine's noise falls on all of them alike:

- ``exec``        ``nft -f -`` under ``nsenter``, the text as planned (the old shell)
- ``exec+light``  the same binary, the text in cache-light form (``host/nftforms.py``)
- ``nft -i``      one long-lived interactive ``nft`` in the namespace, one line per sync
- ``lib``         libnftables in the process, one long-lived context (``host/nftlib.py``)
- ``lib+light``   libnftables and the cache-light form: ``host/nft.py``'s default path

and two floors, on libnftables and tiny transactions: a chain holding one ``jump`` (the
kernel then re-validates the whole table) and one holding a ``counter`` (it does not).
It also prints, on the default path, the first full sync, a sync adding one Service, syncs
that remove map or set elements (a Service losing all its endpoints, getting them back, and
being deleted; ``--changes`` of each) and the deferred deletion of stale chains. Syncs run
with a frozen clock, so stale chains are only deleted when the bench says so. No assertions;
the namespace is deleted at the end, also on error or SIGINT/SIGTERM. Needs root and nft.

    .venv/bin/python bench/nftsync.py [--services 10000] [--changes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from tinykube.host import conntrack, nft, nftforms, nftlib, nscommand
from tinykube.host.conntrack import UdpFlowFilter
from tinykube.host.netns import path as netns_path
from tinykube.host.nft import TableListing
from tinykube.proxy import plan
from tinykube.proxy.changes import EndpointsChangeTracker, ServiceChangeTracker
from tinykube.proxy.model import EndpointInfo, NodeConfig, ProxyState, ServicePortInfo
from tinykube.proxy.model import ServicePortName as Spn
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.testing.clock import FakeClock
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, port, service

NODE = NodeConfig("node-0", ("172.18.0.2",))
NAMESPACE = "bench"
TARGET_MS = 50.0
SENTINEL = "describe ip version"  # prints a fixed line, touches nothing


def cluster_ip(i: int) -> str:
    return str(ipaddress.IPv4Address("10.96.16.0") + i)


def pod_ip(n: int) -> str:
    return str(ipaddress.IPv4Address("10.244.0.0") + 10 + n)


# ---------------------------------------------------------------------- desired state


class Cluster:
    """Services and slices through the proxy's own change trackers, as the proxier does."""

    def __init__(self) -> None:
        self.svc = ServiceChangeTracker()
        self.eps = EndpointsChangeTracker(NODE.name)
        self.services: dict[Spn, ServicePortInfo] = {}
        self.endpoints: dict[Spn, tuple[EndpointInfo, ...]] = {}
        self.next_ip = 0

    def fresh_ip(self) -> str:
        self.next_ip += 1
        return pod_ip(self.next_ip)

    def add_service(self, i: int) -> None:
        self.svc.update(None, self.service_object(i))
        self.set_endpoints(i, [self.fresh_ip(), self.fresh_ip()])

    def set_endpoints(self, i: int, ips: list[str]) -> None:
        self.eps.update(endpoint_slice(f"svc-{i}", [endpoint(ip) for ip in ips],
                                       ports=[("", 8080, "TCP")], namespace=NAMESPACE))

    def service_object(self, i: int) -> dict[str, object]:
        return service(f"svc-{i}", cluster_ip(i), ports=[port(80)], namespace=NAMESPACE)

    def delete_service(self, i: int) -> None:
        self.svc.update(self.service_object(i), None)
        self.eps.update(endpoint_slice(f"svc-{i}", [], ports=[("", 8080, "TCP")],
                                       namespace=NAMESPACE), removed=True)

    def replace_one_endpoint(self, i: int) -> None:
        spn = Spn(NAMESPACE, f"svc-{i}", "", "TCP")
        keep = self.endpoints[spn][0].ip
        self.set_endpoints(i, [keep, self.fresh_ip()])

    def take(self) -> tuple[ProxyState, set[Spn]]:
        changed = self.svc.apply(self.services) | self.eps.apply(self.endpoints)
        return ProxyState(self.services, self.endpoints), changed


# ---------------------------------------------------------------------- candidates


class Runner:
    """An ``NftRunner`` whose ``apply`` is one candidate; the rest goes through nft.py."""

    def __init__(self, netns: str, apply: Callable[[str], Awaitable[None]]) -> None:
        self.netns = netns
        self._apply = apply

    async def apply(self, text: str) -> None:
        await self._apply(text)

    async def list_table(self) -> TableListing | None:
        return await nft.list_table(self.netns, plan.TABLE)

    async def delete_table(self) -> bool:
        return await nft.delete_table(self.netns, plan.TABLE)

    async def delete_udp(self, flt: UdpFlowFilter) -> int:
        return await conntrack.delete_udp(self.netns, flt)


async def exec_apply(netns: str, text: str) -> None:
    done = await nscommand.run(netns, ["nft", "-f", "-"], stdin=text)
    if done.returncode:
        raise RuntimeError(done.stderr.strip())


async def exec_light_apply(netns: str, text: str) -> None:
    await exec_apply(netns, nftforms.cache_light(text) or text)


class LibPlain:
    """libnftables, one context in the namespace, the text as planned."""

    def __init__(self, netns: str) -> None:
        lib = nftlib.load()
        if lib is None:
            raise RuntimeError(f"libnftables: {nftlib.load_error()}")
        self.session = nftlib.Session(lib, netns_path(netns))

    async def apply(self, text: str) -> None:
        done = await self.session.call(lambda h: h.nft.run(text))
        if not done.ok:
            raise RuntimeError(done.error.strip())


class Interactive:
    """One ``nft -i`` in the namespace; a transaction is one line, ended by a sentinel."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, netns: str) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "nsenter", f"--net={netns_path(netns)}", "--", "nft", "-i",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)

    async def apply(self, text: str) -> None:
        proc = self.proc
        assert proc is not None and proc.stdin and proc.stdout and proc.stderr
        line = " ; ".join(x for x in text.splitlines() if x.strip())
        proc.stdin.write(f"{line}\n{SENTINEL}\n".encode())
        await proc.stdin.drain()
        while b"datatype" not in await proc.stdout.readline():
            pass
        err = b""
        while True:  # nft writes errors before the sentinel's answer
            try:
                err += await asyncio.wait_for(proc.stderr.read(65536), 0.001)
            except TimeoutError:
                break
        if err.strip():
            raise RuntimeError(err.decode().strip())

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# ---------------------------------------------------------------------- measuring


@dataclass
class Samples:
    name: str
    ms: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def version() -> str:
    done = subprocess.run(["nft", "--version"], check=False, capture_output=True, text=True)
    return done.stdout.strip()


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await fn()
    return (time.perf_counter() - started) * 1000


async def floor_commit(session: nftlib.Session, body: str, n: int) -> None:
    text = (f"add chain ip {plan.TABLE} bench-floor-{n}\n"
            f"add chain ip {plan.TABLE} bench-floor-{n} {{ {body} ; }}\n")
    done = await session.call(lambda h: h.nft.run(text))
    if not done.ok:
        raise RuntimeError(done.error.strip())


def ip_netns(*args: str) -> None:
    subprocess.run(["ip", "netns", *args], check=True, capture_output=True, timeout=30)


async def run(services: int, changes: int) -> None:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # cleanup too
    netns = f"tinykube-t-nftsync-{secrets.token_hex(3)}"
    await asyncio.to_thread(ip_netns, "add", netns)
    interactive = Interactive()
    lib: LibPlain | None = None
    try:
        await interactive.start(netns)
        lib = LibPlain(netns)
        await measure(netns, services, changes, interactive, lib)
    finally:
        await interactive.stop()
        if lib is not None:
            lib.session.close()
        nft.close(netns)
        await asyncio.to_thread(ip_netns, "delete", netns)


async def measure(netns: str, services: int, changes: int, interactive: Interactive,
                  lib: LibPlain) -> None:
    cluster, clock = Cluster(), FakeClock()
    dp = NftDataplane(HostNft(netns), NODE, clock=clock)
    for i in range(services):
        cluster.add_service(i)
    state, _ = cluster.take()
    print(f"{services} ClusterIP Services x 2 endpoints in {netns}; {version()}, "
          f"libnftables {'loaded' if nftlib.load() else 'missing'}, kernel {os.uname().release}",
          flush=True)
    full_ms = await timed(partial(dp.sync, state, None))
    assert dp.last_transaction is not None
    print(f"full sync: {full_ms / 1000:.1f} s ({len(dp.last_transaction.text) / 1e6:.1f} MB "
          f"of nft text)", flush=True)
    cluster.add_service(services)
    state, changed = cluster.take()
    add_ms = await timed(partial(dp.sync, state, changed))

    candidates: list[tuple[str, Callable[[str], Awaitable[None]]]] = [
        ("exec", partial(exec_apply, netns)),
        ("exec+light", partial(exec_light_apply, netns)),
        ("nft -i", interactive.apply),
        ("lib", lib.apply),
        ("lib+light (nft.py)", partial(nft.apply, netns)),
    ]
    samples = {name: Samples(name) for name, _ in candidates}
    floors = {"floor: jump rule": "jump mark-for-masquerade", "floor: counter rule": "counter"}
    samples.update({name: Samples(name) for name in floors})
    plan_ms: list[float] = []
    victim = 0
    for round_ in range(changes):
        for name, apply in candidates:
            victim = (victim + 7919) % services
            cluster.replace_one_endpoint(victim)
            state, changed = cluster.take()
            plan_ms.append(planning_ms(dp, state, changed, clock.now()))
            dp.runner = Runner(netns, apply)
            samples[name].ms.append(await timed(partial(dp.sync, state, changed)))
        for k, (name, body) in enumerate(floors.items()):
            samples[name].ms.append(await timed(
                partial(floor_commit, lib.session, body, round_ * 2 + k)))

    dp.runner = HostNft(netns)
    state, _ = cluster.take()
    await dp.sync(state, None)  # the other candidates' commits made nft.py forget the sets
    removals = await removal_syncs(dp, cluster, services, changes)
    stale = len(dp.last_transaction.applied.stale) if dp.last_transaction else 0
    await clock.advance(plan.STALE_DELAY + 0.1)
    state, _ = cluster.take()
    cleanup_ms = await timed(partial(dp.sync, state, set()))
    report(samples, plan_ms, stale, cleanup_ms, add_ms)
    report_removals(removals)


REMOVALS = ("loses all endpoints", "gets them back", "is deleted")


async def removal_syncs(dp: NftDataplane, cluster: Cluster, services: int,
                        changes: int) -> dict[str, Samples]:
    """Syncs that take elements out of maps and sets, on the default path: a Service
    whose endpoints all go (its key moves from ``service-ips`` to ``no-endpoint-services``),
    come back (and back), and another Service deleted (its ClusterIP leaves ``cluster-ips``
    too). Distinct victims, so no stale chain is taken back."""
    out = {name: Samples(name) for name in REMOVALS}
    for k in range(changes):
        victim = (services // 2 + 2 * k) % services
        steps = [("loses all endpoints", partial(cluster.set_endpoints, victim, [])),
                 ("gets them back", partial(cluster.set_endpoints, victim,
                                            [cluster.fresh_ip(), cluster.fresh_ip()])),
                 ("is deleted", partial(cluster.delete_service, victim + 1))]
        for name, step in steps:
            step()
            state, changed = cluster.take()
            out[name].ms.append(await timed(partial(dp.sync, state, changed)))
    return out


def report_removals(samples: dict[str, Samples]) -> None:
    print(f"\nsyncs that remove elements, default path, {len(samples[REMOVALS[0]].ms)} each "
          f"(ms; target p50 <= {TARGET_MS:.0f}):")
    print(f"  {'a Service ...':<22}{'p50':>8}{'p99':>8}{'mean':>8}")
    for s in samples.values():
        print(f"  {s.name:<22}{s.quantile(0.5):>8.1f}{s.quantile(0.99):>8.1f}"
              f"{statistics.fmean(s.ms):>8.1f}")


def planning_ms(dp: NftDataplane, state: ProxyState, changed: set[Spn], now: float) -> float:
    """Planning alone, for scale: the same plan the sync is about to make (pure)."""
    assert dp.last_transaction is not None
    started = time.perf_counter()
    plan.plan(state, NODE, dp.last_transaction.applied, changed, now=now)
    return (time.perf_counter() - started) * 1000


def report(samples: dict[str, Samples], plan_ms: list[float], stale: int, cleanup_ms: float,
           add_ms: float) -> None:
    base = samples["exec"].quantile(0.5)
    default = samples["lib+light (nft.py)"].quantile(0.5)
    print(f"\none-endpoint-change sync, {len(samples['exec'].ms)} each (ms; target p50 <= "
          f"{TARGET_MS:.0f}):")
    print(f"  {'candidate':<22}{'p50':>8}{'p99':>8}{'mean':>8}   speed-up vs exec (p50)")
    for s in samples.values():
        p50 = s.quantile(0.5)
        print(f"  {s.name:<22}{p50:>8.1f}{s.quantile(0.99):>8.1f}"
              f"{statistics.fmean(s.ms):>8.1f}   x{base / p50:.1f}")
    print(f"  planning alone: p50 {statistics.median(plan_ms):.1f} ms")
    jump = samples["floor: jump rule"].quantile(0.5)
    print(f"\ndefault path at p50: {default:.1f} ms = {default / TARGET_MS:.2f} x the target; "
          f"the kernel's re-validation of the table after any jump alone takes {jump:.1f} ms "
          f"({jump / max(default, 1e-9):.0%} of it)")
    print(f"default path, other syncs: adding one Service {add_ms:.0f} ms; deleting "
          f"{stale} stale chains {cleanup_ms:.0f} ms (deletes need nft's whole cache)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=10_000)
    ap.add_argument("--changes", type=int, default=20)
    args = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("nsenter") is None:
        print("needs root, nft and nsenter; skipped")
        return
    try:
        asyncio.run(run(args.services, args.changes))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; namespace deleted", flush=True)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
