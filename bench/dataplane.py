"""Dataplane figures as ratios: the nftables ClusterIP path against a direct connection to
the pod, the published NodePort path against HAProxy, and the sync time of one endpoint
change among 10,000 programmed Services.

The network is ``testing.netns_topology`` with one pod, plus one more namespace that
plays the host (``<prefix>-h``, only ``lo``), all under a random ``tinykube-t-`` prefix:

    <prefix>-c     client pod 10.244.0.100
    <prefix>-node  cbr0 + nft table "tinykube" (ClusterIP 10.96.0.20, NodePorts on 172.18.0.2)
    <prefix>-p0    pod 10.244.0.10: HAProxy as a static HTTP responder on :8080
                   (``http-request return``, keep-alive), a sendfile zero-sender on :9000
    <prefix>-h     "host": tinykube's Publisher and HAProxy (mode tcp) on 127.0.0.1

1. nftables vs direct, from the client pod: ``wrk`` against 10.96.0.20 (DNAT in the node
   namespace) and against 10.244.0.10 directly — keep-alive requests/s, new connections/s
   (``Connection: close``, one request per connection) and bulk MB/s (one TCP stream of
   zeros for a fixed time, ``bench/_bulk.py``). Client on CPU 0, pod servers on CPU 1.
2. Published NodePort vs HAProxy, from the "host" namespace: the same three figures
   through ``127.0.0.1:<nodePort>`` (``proxy.publish.Publisher``, run by
   ``bench/_publisher.py`` on uvloop with its production socket factories: listening
   sockets where it runs, upstream sockets in the node namespace; forwarding on the C
   engine, or with ``--python-forwarder`` on the pure-Python one) and through
   ``127.0.0.1:<nodePort+1000>`` (HAProxy, 1 thread, ``mode tcp``, ``option splice-auto``,
   its upstream sockets made in the node namespace by its own ``namespace`` server
   keyword). Both forward to the same node IP and NodePort, so everything after the
   forwarder is the same path. Both are pinned to CPU 1 (same CPU budget); client and pod
   servers share CPU 0. Why not the real host namespace: the published path is the same in
   any namespace (a loopback listener plus sockets created in the node namespace), and a
   namespace of our own leaves the host's loopback ports and sysctls alone.
3. Sync time: ``bench/nftsync.py`` (engineer Q's, every way to send a transaction; its
   ``nft.py`` row is the default path) when it exists, else measured here through
   ``NftDataplane``: a full sync of --services Services (two endpoints each), then timed
   one-endpoint changes. It gets the time parts 1 and 2 left of a 175 s budget.

Each figure runs --rounds times alternating the two paths; the best round of each is the
raw ratio. The machine is shared, so each line also gives the ratio of work per CPU-second
of the counted processes (median over rounds): the forwarder for part 2, the client and
the servers for part 1 (the kernel's work runs inside their system calls). Trust that one
when the rounds disagree. NodePort traffic is masqueraded with random source ports, so the
pod's TIME_WAIT sockets would reject some new SYNs and stall both paths for 1 s: the pod
namespace keeps no TIME_WAIT (``tcp_max_tw_buckets=0``); our namespaces get a wider
ephemeral port range. Every tool stops by itself (wrk ``-d``, the reader's deadline);
servers and forwarders are stopped by pid and the namespaces deleted, even on error. The
host namespace is never touched. Needs root and the Debian packages ``wrk`` and
``haproxy``; without them it says so and exits 0.

    .venv/bin/python bench/dataplane.py [--seconds 2] [--rounds 3] [--services 10000]
                                        [--changes 3] [--parts 1,2,3] [--profile FILE]
                                        [--python-forwarder]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import ipaddress
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.testing.netns_topology import NODE_IP, Topology, usable

HERE = Path(__file__).resolve().parent
TOOLS = {"wrk": "wrk", "haproxy": "haproxy", "taskset": "util-linux", "ip": "iproute2",
         "nft": "nftables", "nsenter": "util-linux"}
MULTICORE = (os.cpu_count() or 1) > 1
CLIENT_CPU, SERVER_CPU = "0", "1" if MULTICORE else "0"

VIP = "10.96.0.20"
HTTP_PORT, BULK_PORT = 8080, 9000  # on the pod
NP_HTTP, NP_BULK = 30080, 30090  # NodePorts (inside our node namespace only)
HA_OFFSET = 1000  # HAProxy listens on nodePort + this
WRK_CONNS = 64
TICK = os.sysconf("SC_CLK_TCK")

WEB = ServicePortName("bench", "web", "", "TCP")
BULK = ServicePortName("bench", "bulk", "", "TCP")

SYNC_TARGET_MS = 50.0
BUDGET = 175.0  # seconds for the whole run; part 3 gets what parts 1 and 2 left
TARGETS = {
    "nft": {"requests/s": 0.95, "new conns/s": 0.95, "bulk MB/s": 0.95},
    "pub": {"requests/s": 1.0, "new conns/s": 0.8, "bulk MB/s": 1.0},
}


# ---------------------------------------------------------------------- processes


@dataclass
class Proc:
    """A process this bench started; stopped by its pid only."""

    name: str
    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> tuple[float, float]:
        """user and system time of the whole process (all threads) so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / TICK, int(fields[12]) / TICK

    def pin(self, cpu: str) -> None:
        subprocess.run(["taskset", "-a", "-p", "-c", cpu, str(self.pid)], check=True,
                       capture_output=True, timeout=5)

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                try:
                    self.popen.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    print(f"warning: {self.name} (pid {self.pid}) survived SIGKILL for 30 s",
                          file=sys.stderr)


def start(name: str, cpu: str, netns: str, argv: list[str], *, ready: bool = False) -> Proc:
    """``argv`` in ``netns`` on ``cpu`` (``ip netns exec`` and ``taskset`` exec, so the
    pid is the program's); with ``ready``, waits for its ``ready`` line."""
    popen = subprocess.Popen(["taskset", "-c", cpu, "ip", "netns", "exec", netns, *argv],
                             stdout=subprocess.PIPE if ready else subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    proc = Proc(name, popen)
    if ready:
        assert popen.stdout is not None
        if not popen.stdout.readline().startswith(b"ready"):
            proc.stop()
            err = popen.stderr.read().decode(errors="replace") if popen.stderr else ""
            raise RuntimeError(f"{name} did not start: {err.strip()[-2000:]}")
    return proc


def wait_listening(netns: str, ip: str, port: int, proc: Proc, within: float = 10) -> None:
    """Until something accepts TCP on ``ip:port`` inside ``netns``."""
    deadline = time.monotonic() + within
    probe = (f"import socket; socket.create_connection(({ip!r}, {port}), timeout=1).close()")
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            err = proc.popen.stderr.read().decode(errors="replace") if proc.popen.stderr else ""
            raise RuntimeError(f"{proc.name} exited: {err.strip()[-2000:]}")
        done = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", probe],
                              check=False, capture_output=True, timeout=10)
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{proc.name} does not listen on {ip}:{port}")


def sysctl(netns: str, *settings: str) -> None:
    subprocess.run(["ip", "netns", "exec", netns, "sysctl", "-qw", *settings], check=True,
                   capture_output=True, timeout=10)


# ---------------------------------------------------------------------- configuration


HAPROXY_GLOBAL = """\
global
    nbthread 1
    maxconn 4000
defaults
    timeout connect 5s
    timeout client 30s
    timeout server 30s
"""


def responder_config() -> str:
    return HAPROXY_GLOBAL + f"""\
    mode http
    option http-keep-alive
frontend web
    bind 0.0.0.0:{HTTP_PORT}
    http-request return status 200 content-type text/plain string ok
"""


def forwarder_config(node_ns: str) -> str:
    text = HAPROXY_GLOBAL + "    mode tcp\n    option splice-auto\n"
    for np in (NP_HTTP, NP_BULK):
        text += (f"listen np{np}\n    bind 127.0.0.1:{np + HA_OFFSET}\n"
                 f"    server node {NODE_IP}:{np} namespace {node_ns}\n")
    return text


def bench_state(extra: int = 0, pod_ip: str = "10.244.0.10") -> ProxyState:
    """The two bench Services, plus ``extra`` filler Services with two endpoints each."""
    services = {
        WEB: ServicePortInfo(WEB, VIP, 80, node_port=NP_HTTP),
        BULK: ServicePortInfo(BULK, VIP, BULK_PORT, node_port=NP_BULK),
    }
    endpoints: dict[ServicePortName, tuple[EndpointInfo, ...]] = {
        WEB: (EndpointInfo(pod_ip, HTTP_PORT),),
                 BULK: (EndpointInfo(pod_ip, BULK_PORT),)}
    for i in range(extra):
        spn, info, eps = filler(i, 0)
        services[spn], endpoints[spn] = info, eps
    return ProxyState(services, endpoints)


def filler(i: int, generation: int) -> tuple[ServicePortName, ServicePortInfo,
                                              tuple[EndpointInfo, ...]]:
    spn = ServicePortName(f"ns-{i % 50}", f"svc-{i}", "", "TCP")
    vip = str(ipaddress.IPv4Address("10.100.0.0") + i)
    pods = ipaddress.IPv4Address("10.245.0.0") + 4 * i
    eps = (EndpointInfo(str(pods), 8080), EndpointInfo(str(pods + 1 + generation % 3), 8080))
    return spn, ServicePortInfo(spn, vip, 80), eps


# ---------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Sample:
    value: float
    cpu: float  # CPU-seconds per second of the processes the path counts (see ``Path_``)
    user: float  # the part of ``cpu`` spent in user space (the rest is the kernel's)


def wrk(netns: str, url: str, seconds: float, *, close: bool) -> float:
    argv = ["taskset", "-c", CLIENT_CPU, "ip", "netns", "exec", netns, "wrk", "-t1",
            f"-c{WRK_CONNS // 2 if close else WRK_CONNS}", f"-d{int(seconds)}s", "--timeout", "2s"]
    if close:
        argv += ["-H", "Connection: close"]
    done = subprocess.run([*argv, url], check=False, capture_output=True, text=True,
                          timeout=seconds + 20)
    match = re.search(r"Requests/sec:\s*([\d.]+)", done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
    errors = re.search(r"Socket errors:.*", done.stdout)
    if errors or "Non-2xx" in done.stdout:
        print(f"    note: wrk {url}: {errors.group(0) if errors else 'non-2xx answers'}",
              flush=True)
    return float(match.group(1))


def bulk(netns: str, ip: str, port: int, seconds: float) -> float:
    argv = ["taskset", "-c", CLIENT_CPU, "ip", "netns", "exec", netns, sys.executable,
            str(HERE / "_bulk.py"), "fetch", ip, str(port), str(seconds)]
    done = subprocess.run(argv, check=False, capture_output=True, text=True,
                          timeout=seconds + 20)
    if done.returncode != 0:
        raise RuntimeError(f"bulk reader failed: {done.stderr.strip()}")
    got, took = done.stdout.split()
    return int(got) / float(took) / 1e6


def children_cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def sampled(fn: Callable[[], float], path: Path_) -> Sample:
    """One figure, with the CPU the path's counted processes spent on it."""

    def cpu() -> tuple[float, float]:
        times = [p.cpu_seconds() for p in path.counted]
        if path.count_client:
            times.append(children_cpu())
        return sum(u for u, _ in times), sum(s for _, s in times)

    (user0, sys0), t0 = cpu(), time.perf_counter()
    value = fn()
    (user1, sys1), took = cpu(), time.perf_counter() - t0
    return Sample(value, (user1 + sys1 - user0 - sys0) / took, (user1 - user0) / took)


@dataclass(frozen=True)
class Path_:
    """Where a client reaches the servers, and whose CPU counts: for a kernel path the
    client's and the servers' (the kernel's work runs in their system calls), for a
    forwarder its own."""

    label: str
    netns: str
    http: tuple[str, int]
    bulk: tuple[str, int]
    counted: tuple[Proc, ...]
    count_client: bool


def figures(paths: tuple[Path_, Path_], seconds: float, rounds: int) \
        -> dict[str, tuple[list[Sample], list[Sample]]]:
    """The three figures for both paths, rounds alternating A, B."""

    def rps(p: Path_) -> float:
        return wrk(p.netns, f"http://{p.http[0]}:{p.http[1]}/", seconds, close=False)

    def cps(p: Path_) -> float:
        return wrk(p.netns, f"http://{p.http[0]}:{p.http[1]}/", seconds, close=True)

    def mbps(p: Path_) -> float:
        return bulk(p.netns, *p.bulk, seconds)

    out: dict[str, tuple[list[Sample], list[Sample]]] = {}
    for kind, fn in (("requests/s", rps), ("new conns/s", cps), ("bulk MB/s", mbps)):
        samples: tuple[list[Sample], list[Sample]] = ([], [])
        for _ in range(rounds):
            for path, into in zip(paths, samples, strict=True):
                into.append(sampled(functools.partial(fn, path), path))
        out[kind] = samples
    return out


def report(title: str, names: tuple[str, str], results: dict[str, tuple[list[Sample],
           list[Sample]]], targets: dict[str, float]) -> None:
    """Per figure: the best round of each path, their ratio against its target, and the
    ratio of work per counted CPU-second (median over rounds), which a busy machine
    disturbs far less than raw throughput; then every round."""
    print(f"\n{title}", flush=True)
    for kind, (a, b) in results.items():
        best_a, best_b = max(a, key=lambda s: s.value), max(b, key=lambda s: s.value)
        ratio = best_a.value / best_b.value if best_b.value else float("nan")
        target = targets[kind]
        per_cpu = efficiency(a) / efficiency(b)
        print(f"  {kind:<11} {names[0]} {best_a.value:>7.0f}  {names[1]} {best_b.value:>7.0f}"
              f"  ratio {ratio:4.2f} {judge(ratio, target)}  per CPU-second {per_cpu:4.2f} "
              f"{judge(per_cpu, target)}  (target >= {target:.2f})", flush=True)
        print("    rounds (value, cpu (user)): " + "  ".join(
            f"{x.value:.0f} {x.cpu:.0%} ({x.user:.0%}) / {y.value:.0f} {y.cpu:.0%} ({y.user:.0%})"
            for x, y in zip(a, b, strict=True)), flush=True)


def judge(ratio: float, target: float) -> str:
    return "ok   " if ratio >= target else "BELOW"


def efficiency(samples: list[Sample]) -> float:
    return statistics.median(s.value / s.cpu if s.cpu else 0.0 for s in samples)


# ---------------------------------------------------------------------- sync time


def sync_verdict(ms: float) -> str:
    return f"target <= {SYNC_TARGET_MS:.0f} ms {'ok' if ms <= SYNC_TARGET_MS else 'ABOVE'}"


async def sync_time(dp: NftDataplane, services: int, changes: int, budget: float) -> None:
    """Part 3, within ``budget`` seconds: engineer Q's bench/nftsync.py when it exists
    (its default-path row is the headline), else one-change syncs measured here."""
    nftsync = HERE / "nftsync.py"
    try:
        async with asyncio.timeout(budget):
            if nftsync.exists():
                await run_nftsync(nftsync, services, changes)
            else:
                await own_sync_time(dp, services, changes)
    except TimeoutError:
        print(f"  sync time: not finished within the bench's budget ({budget:.0f} s); "
              f"try --services {services // 2}", flush=True)


async def run_nftsync(nftsync: Path, services: int, changes: int) -> None:
    print(f"\n3. sync time: bench/{nftsync.name} --services {services} --changes {changes} "
          "(engineer Q's; every candidate; the nft.py row is the default path)", flush=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(nftsync), "--services", str(services), "--changes", str(changes),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    default_ms: float | None = None
    netns = ""
    try:
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            print(f"  | {line}", flush=True)
            if named := re.search(r"\b(tinykube-t-nftsync-[0-9a-f]+)\b", line):
                netns = netns or named.group(1)
            if found := re.search(r"\(nft\.py\)\s+([\d.]+)", line):
                default_ms = float(found.group(1))
        await proc.wait()
    finally:
        await stop_nftsync(proc, netns)
    if default_ms is not None:
        print(f"  one endpoint change at {services} Services (default path, p50) "
              f"{default_ms:.1f} ms  {sync_verdict(default_ms)}", flush=True)


async def stop_nftsync(proc: asyncio.subprocess.Process, netns: str) -> None:
    """SIGINT first (its own cleanup deletes its namespace), then SIGKILL and our cleanup."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(20):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
    if netns:
        await asyncio.to_thread(delete_leftover, netns)


def delete_leftover(netns: str) -> None:
    if Path("/run/netns", netns).exists():
        subprocess.run(["ip", "netns", "del", netns], check=False, capture_output=True,
                       timeout=30)


async def own_sync_time(dp: NftDataplane, services: int, changes: int) -> None:
    print(f"\n3. sync time (bench/nftsync.py not found: measured here through NftDataplane, "
          f"{services} Services x 2 endpoints)", flush=True)
    state = bench_state(services)
    t0 = time.perf_counter()
    await dp.sync(state, None)
    full = time.perf_counter() - t0
    services_map = dict(state.services)
    endpoints = dict(state.endpoints)
    times = []
    for n in range(changes):
        spn, _, eps = filler(random.randrange(services), n + 1)
        endpoints[spn] = eps
        t0 = time.perf_counter()
        await dp.sync(ProxyState(services_map, endpoints), {spn})
        times.append(time.perf_counter() - t0)
    tx = dp.last_transaction
    assert tx is not None and not tx.full, "the change was not a partial sync"
    med = statistics.median(times) * 1000
    print(f"  full sync of {services + 2} Services {full:.1f} s", flush=True)
    print(f"  one endpoint change (median of {changes}) {med:.1f} ms, max "
          f"{max(times) * 1000:.1f} ms  {sync_verdict(med)}", flush=True)


# ---------------------------------------------------------------------- the run


@contextlib.contextmanager
def network() -> Iterator[tuple[Topology, str]]:
    topo = Topology.create(pods=1, servers=False)
    try:
        host = f"{topo.prefix}-h"
        subprocess.run(["ip", "netns", "add", host], check=True, capture_output=True,
                       timeout=10)
        topo.namespaces.append(host)
        subprocess.run(["ip", "-n", host, "link", "set", "lo", "up"], check=True,
                       capture_output=True, timeout=10)
        assert topo.client is not None
        # many short connections: room for them in our namespaces (never the host's)
        for ns in (host, topo.client.netns, topo.node_ns):
            sysctl(ns, "net.ipv4.ip_local_port_range=32768 65000", "net.ipv4.tcp_tw_reuse=1")
        # NodePort traffic is masqueraded with random source ports, so a pod's TIME_WAIT
        # sockets (the server closes first) reject some new SYNs (PAWS) and the client
        # retries after 1 s: noise for both forwarders, so the pod keeps no TIME_WAIT
        sysctl(topo.pods[0].netns, "net.ipv4.tcp_max_tw_buckets=0")
        yield topo, host
    finally:
        topo.destroy()


@dataclass
class Bench:
    """The running network, its servers, and what the parts measure against."""

    args: argparse.Namespace
    topo: Topology
    host: str
    tmp: str
    dp: NftDataplane
    procs: list[Proc]

    def haproxy(self, name: str, cpu: str, netns: str, config: str) -> Proc:
        path = Path(self.tmp, f"{name}.cfg")
        path.write_text(config)
        proc = start(name, cpu, netns, ["haproxy", "-db", "-f", str(path)])
        self.procs.append(proc)
        return proc

    def servers(self) -> tuple[Proc, ...]:
        pod = self.topo.pods[0]
        responder = self.haproxy("responder", SERVER_CPU, pod.netns, responder_config())
        bulk_server = start("bulk server", SERVER_CPU, pod.netns,
                            [sys.executable, str(HERE / "_bulk.py"), "serve", str(BULK_PORT)],
                            ready=True)
        self.procs.append(bulk_server)
        assert self.topo.client is not None
        wait_listening(self.topo.client.netns, pod.ip, HTTP_PORT, responder)
        return responder, bulk_server

    def nft_vs_direct(self) -> None:
        assert self.topo.client is not None
        client, pod = self.topo.client.netns, self.topo.pods[0]
        servers = tuple(self.procs)
        direct = Path_("direct", client, (pod.ip, HTTP_PORT), (pod.ip, BULK_PORT), servers,
                       count_client=True)
        nft = Path_("nft", client, (VIP, 80), (VIP, BULK_PORT), servers, count_client=True)
        report("1. nftables ClusterIP vs direct to the pod (ratio nft/direct)",
               ("nft", "direct"), figures((nft, direct), self.args.seconds, self.args.rounds),
               TARGETS["nft"])

    def published_vs_haproxy(self) -> None:
        haproxy = self.haproxy("forwarder", SERVER_CPU, self.host,
                               forwarder_config(self.topo.node_ns))
        argv = [sys.executable, str(HERE / "_publisher.py"), self.topo.node_ns, NODE_IP,
                str(NP_HTTP), str(NP_BULK)]
        if self.args.profile:
            argv += ["--profile", self.args.profile]
        if self.args.python_forwarder:
            argv += ["--python"]
        publisher = start("publisher", SERVER_CPU, self.host, argv, ready=True)
        self.procs.append(publisher)
        wait_listening(self.host, "127.0.0.1", NP_HTTP + HA_OFFSET, haproxy)
        pub = Path_("tinykube", self.host, ("127.0.0.1", NP_HTTP), ("127.0.0.1", NP_BULK),
                    (publisher,), count_client=False)
        ha = Path_("haproxy", self.host, ("127.0.0.1", NP_HTTP + HA_OFFSET),
                   ("127.0.0.1", NP_BULK + HA_OFFSET), (haproxy,), count_client=False)
        report("2. published NodePort: tinykube Publisher vs HAProxy (ratio tinykube/haproxy)",
               ("tinykube", "haproxy"), figures((pub, ha), self.args.seconds, self.args.rounds),
               TARGETS["pub"])
        for p in (publisher, haproxy):
            p.stop()

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.stop()
        self.procs.clear()


async def run(args: argparse.Namespace) -> None:
    parts = set(args.parts.split(","))
    with network() as (topo, host), tempfile.TemporaryDirectory(prefix="tinykube-bench-") \
            as tmp:
        dp = NftDataplane(HostNft(topo.node_ns), NodeConfig("node-0", (NODE_IP,)))
        bench = Bench(args, topo, host, tmp, dp, [])
        try:
            await dp.sync(bench_state(pod_ip=topo.pods[0].ip), None)
            print(f"dataplane bench: {args.seconds} s per sample, best of {args.rounds} "
                  f"rounds, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
            if parts & {"1", "2"}:
                servers = bench.servers()
                if "1" in parts:
                    bench.nft_vs_direct()
                if "2" in parts:
                    # the forwarders get the server CPU alone; client and servers share
                    for p in servers:
                        p.pin(CLIENT_CPU)
                    bench.published_vs_haproxy()
                bench.stop()
            if "3" in parts and args.services:
                left = BUDGET - (time.perf_counter() - args.started)
                await sync_time(dp, args.services, args.changes, max(30.0, left))
        finally:
            bench.stop()
            await dp.cleanup()


def missing() -> str | None:
    why = usable()
    if why is not None:
        return why
    lacking = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if lacking:
        return ("needs the Debian packages " + ", ".join(lacking)
                + f" (apt-get install -y {' '.join(lacking)})")
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=int, default=2, help="length of each sample")
    ap.add_argument("--rounds", type=int, default=3, help="samples per path and figure")
    ap.add_argument("--services", type=int, default=10000,
                    help="Services programmed for the sync time (0: skip)")
    ap.add_argument("--changes", type=int, default=3, help="timed one-endpoint changes")
    ap.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 1,2")
    ap.add_argument("--profile", default="", help="write the publisher's cProfile here")
    ap.add_argument("--python-forwarder", action="store_true",
                    help="publish with the pure-Python forwarder, not the C engine")
    args = ap.parse_args()
    if args.seconds <= 0 or args.seconds > 20 or not 1 <= args.rounds <= 5:
        ap.error("--seconds in (0, 20], --rounds in 1..5 (the run must stay bounded)")
    why = missing()
    if why is not None:
        print(f"bench/dataplane.py skipped: {why}")
        return
    args.started = time.perf_counter()
    asyncio.run(run(args))
    print(f"\ntotal {time.perf_counter() - args.started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
