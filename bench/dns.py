"""Cluster DNS figures: queries/s of tinykube's DNS server against Knot DNS serving the same
records on the same core, and the delay from an endpoint becoming ready to its A record
being served over UDP.

Both servers get the same in-cluster names (ClusterIP Services, headless Services with
StatefulSet-style endpoints, their SRV records, TTL 5, SOA at ``cluster.local``), each in
its own process pinned to core 1 with ``taskset`` (knotd pins its UDP worker to a CPU of
its choice: it is moved back); a sample of answers is compared first. ``dnsperf`` runs
pinned to core 0, in alternate rounds against one then the other (medians count), with a
query mix of A (ClusterIP and headless), SRV and NXDOMAIN search-list misses; besides
queries/s, each server's CPU time per answered query is printed, a figure that other work
on a shared machine disturbs less. Then the bench asks tinykube's server to make one
endpoint ready at a time and polls over UDP until the address is served.

Only loopback is used; everything started is stopped by pid, even on error. Needs the
Debian packages ``dnsperf`` and ``knot``: without them it says so and exits 0.

    .venv/bin/python bench/dns.py [--seconds 12] [--services 1000] [--headless 100]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like dnspython's package: keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import ipaddress  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import dns.exception  # noqa: E402
import dns.message  # noqa: E402

from tinykube.dns.config import Config  # noqa: E402
from tinykube.dns.server import DnsServer  # noqa: E402
from tinykube.dns.zone import Zone  # noqa: E402
from tinykube.testing.dns import endpoint, endpoint_slice, service  # noqa: E402

ZONE = "cluster.local"
TTL = 5
PER_HEADLESS = 5
NAMESPACES = 10
PROBE_NS, PROBE_SVC = "bench", "probe"
SERVER_CORE, CLIENT_CORE = "1", "0"  # both servers share core 1; dnsperf runs on core 0
MULTICORE = (os.cpu_count() or 1) > 1
ROUNDS = 4  # alternating dnsperf runs per server; the median counts
HTTP = [("http", 80, "TCP")]
TOOLS = {"dnsperf": "dnsperf", "knotd": "knot", "knotc": "knot", "taskset": "util-linux"}


# ---------------------------------------------------------------------- the cluster


def cluster_ip(i: int) -> str:
    return str(ipaddress.IPv4Address("10.96.16.0") + i)


def pod_ip(j: int, k: int) -> str:
    return str(ipaddress.IPv4Address("10.244.0.0") + j * 256 + 10 + k)


def probe_ip(trial: int) -> str:
    return str(ipaddress.IPv4Address("10.250.0.1") + trial)


def namespace(i: int) -> str:
    return f"ns-{i % NAMESPACES}"


def objects(services: int, headless: int) -> Iterator[dict[str, Any]]:
    """The Services and EndpointSlices both servers answer for."""
    for i in range(services):
        yield service(f"svc-{i}", namespace(i), ip=cluster_ip(i), ports=HTTP)
    for j in range(headless):
        name, ns = f"web-{j}", namespace(j)
        yield service(name, ns, ports=HTTP)
        yield endpoint_slice(name, ns, endpoints=[
            endpoint(pod_ip(j, k), hostname=f"web-{j}-{k}") for k in range(PER_HEADLESS)
        ], ports=HTTP)


def probe_slice(trial: int) -> dict[str, Any]:
    """The probe Service's slice at ``trial``: that trial's endpoint ready, the next not."""
    return endpoint_slice(PROBE_SVC, PROBE_NS, endpoints=[
        endpoint(probe_ip(trial), hostname=f"p-{trial}", ready=True),
        endpoint(probe_ip(trial + 1), hostname=f"p-{trial + 1}", ready=False),
    ], ports=HTTP)


def build_zone(services: int, headless: int) -> Zone:
    zone = Zone(Config.build(ZONE, ttl=TTL, ns_addresses=("127.0.0.1",)))
    for obj in objects(services, headless):
        if obj["kind"] == "Service":
            zone.upsert_service(obj)
        else:
            zone.upsert_slice(obj)
    zone.upsert_service(service(PROBE_SVC, PROBE_NS, ports=HTTP))
    zone.upsert_slice(probe_slice(-1))
    return zone


def knot_zone(services: int, headless: int) -> str:
    """The same records as a zone file (SOA fields as tinykube's, TTL 5 everywhere)."""
    lines = [
        f"$ORIGIN {ZONE}.",
        f"$TTL {TTL}",
        f"@ IN SOA ns.dns.{ZONE}. hostmaster.{ZONE}. 1 7200 1800 86400 {TTL}",
        f"@ IN NS ns.dns.{ZONE}.",
        "ns.dns IN A 127.0.0.1",
    ]
    for i in range(services):
        base = f"svc-{i}.{namespace(i)}.svc"
        lines.append(f"{base} IN A {cluster_ip(i)}")
        for owner in (base, f"_http._tcp.{base}"):  # tinykube answers SRV at both
            lines.append(f"{owner} IN SRV 0 100 80 {base}.{ZONE}.")
    weight = 100 // PER_HEADLESS
    for j in range(headless):
        base = f"web-{j}.{namespace(j)}.svc"
        for k in range(PER_HEADLESS):
            host = f"web-{j}-{k}.{base}"
            lines.append(f"{base} IN A {pod_ip(j, k)}")
            lines.append(f"{host} IN A {pod_ip(j, k)}")
            for owner in (base, f"_http._tcp.{base}"):
                lines.append(f"{owner} IN SRV 0 {weight} 80 {host}.{ZONE}.")
            lines.append(f"{host} IN SRV 0 100 80 {host}.{ZONE}.")
    return "\n".join(lines) + "\n"


def query_mix(services: int, headless: int, count: int = 20_000, seed: int = 6) -> list[str]:
    """dnsperf lines: 40% A ClusterIP, 20% A headless, 10% A of one endpoint, 15% SRV,
    15% NXDOMAIN (the search-list misses a pod's resolver tries first)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        roll = rng.random()
        i, j, k = rng.randrange(services), rng.randrange(headless), rng.randrange(PER_HEADLESS)
        svc = f"svc-{i}.{namespace(i)}.svc.{ZONE}"
        hl = f"web-{j}.{namespace(j)}.svc.{ZONE}"
        if roll < 0.40:
            out.append(f"{svc} A")
        elif roll < 0.60:
            out.append(f"{hl} A")
        elif roll < 0.70:
            out.append(f"web-{j}-{k}.{hl} A")
        elif roll < 0.85:
            out.append(f"_http._tcp.{svc if rng.random() < 0.5 else hl} SRV")
        else:
            out.append(f"{svc}.{namespace(i)}.svc.{ZONE} A")
    return out


# ---------------------------------------------------------------------- processes


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise OSError("no free port")


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv] if MULTICORE else argv


@contextlib.contextmanager
def started(argv: list[str], **kw: Any) -> Iterator[subprocess.Popen[str]]:
    """Run a process for the block; stop it by its pid afterwards, whatever happened."""
    proc = subprocess.Popen(argv, text=True, **kw)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def ask(port: int, name: str, rdtype: str = "A", timeout: float = 0.5
        ) -> dns.message.Message | None:
    q = dns.message.make_query(name, rdtype)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q.to_wire(), ("127.0.0.1", port))
        try:
            return dns.message.from_wire(s.recv(65535))
        except (TimeoutError, dns.exception.DNSException):
            return None


def wait_serving(port: int, proc: subprocess.Popen[str], what: str, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        reply = ask(port, f"{ZONE}.", "SOA", 0.2)
        if reply is not None and reply.answer:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer within {limit:.0f} s")


KNOT_CONF = """\
server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{d}/knot.sock"
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{d}"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
  - domain: {zone}
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dnsperf(port: int, pid: int, queries: Path, seconds: float, what: str
            ) -> tuple[float, float]:
    """Queries per second dnsperf reached against 127.0.0.1:port, and the server's
    (process ``pid``) CPU microseconds per answered query. A run that lost more than 5%
    of its queries (a stall: the machine is shared) is run once more."""
    argv = pinned(CLIENT_CORE, ["dnsperf", "-s", "127.0.0.1", "-p", str(port),
                                "-d", str(queries), "-l", str(seconds), "-c", "4", "-q", "200",
                                "-t", "2"])
    for attempt in (1, 2):
        cpu = cpu_seconds(pid)
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30,
                             check=True).stdout
        cpu = cpu_seconds(pid) - cpu
        numbers = {key: re.search(rf"{key}:\s+([\d.]+)", out) for key in
                   ("Queries sent", "Queries completed", "Queries lost", "Queries per second")}
        if any(m is None for m in numbers.values()):
            raise RuntimeError(f"unexpected dnsperf output:\n{out}")
        sent, done, lost, qps = (float(m.group(1)) for m in numbers.values() if m is not None)
        if lost <= 0.05 * sent or attempt == 2:
            break
        print(f"#   {what}: dnsperf lost {lost:.0f} of {sent:.0f} queries; once more",
              flush=True)
    return qps, cpu * 1e6 / max(done, 1.0)


# ---------------------------------------------------------------------- tinykube's side


def serve(args: argparse.Namespace) -> None:
    """The server process: build the zone, serve it, flip probe endpoints on command."""
    zone = build_zone(args.services, args.headless)
    try:
        import uvloop
        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner(_serve(zone, batched=not args.plain_udp))


async def _serve(zone: Zone, *, batched: bool) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    pending = b""

    def on_command() -> None:
        nonlocal pending
        data = os.read(sys.stdin.fileno(), 4096)
        if not data:
            if not done.done():
                done.set_result(None)
            return
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            trial = int(line.split()[1])
            obj = probe_slice(trial)
            started_at = time.monotonic_ns()
            zone.upsert_slice(obj)
            sys.stdout.write(f"{started_at}\n")
            sys.stdout.flush()

    async with DnsServer(zone, host="127.0.0.1", port=0, batched=batched) as server:
        print(f"port {server.port}", flush=True)
        loop.add_reader(sys.stdin.fileno(), on_command)
        await done


def update_delays(proc: subprocess.Popen[str], port: int, trials: int) -> list[float]:
    """Milliseconds from ``upsert_slice`` (in the server) to a UDP answer listing the
    endpoint (seen by this client, polling); CLOCK_MONOTONIC is shared by processes."""
    assert proc.stdin is not None and proc.stdout is not None
    name = f"{PROBE_SVC}.{PROBE_NS}.svc.{ZONE}."
    delays = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.connect(("127.0.0.1", port))
        for trial in range(trials):
            wanted = ipaddress.IPv4Address(probe_ip(trial)).packed
            query = dns.message.make_query(name, "A").to_wire()
            qend = len(query)
            proc.stdin.write(f"ready {trial}\n")
            proc.stdin.flush()
            seen = 0
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                s.send(query)
                try:
                    reply = s.recv(4096)
                except TimeoutError:
                    continue
                if wanted in reply[qend:]:
                    seen = time.monotonic_ns()
                    break
            upserted = int(proc.stdout.readline())
            if seen:
                delays.append((seen - upserted) / 1e6)
    return delays


# ---------------------------------------------------------------------- the run


def compare(port: int, knot_port: int, sample: list[str]) -> None:
    """Both servers must give the same rcode and answer records (order aside)."""
    differ = 0
    for text in sample:
        name, rdtype = text.split()
        mine, theirs = ask(port, name, rdtype), ask(knot_port, name, rdtype)
        if mine is None or theirs is None:
            differ += 1
            continue
        if mine.rcode() != theirs.rcode() or rrs(mine.answer) != rrs(theirs.answer):
            differ += 1
            if differ <= 3:
                print(f"#   differs: {text}: tinykube {rrs(mine.answer)} "
                      f"knot {rrs(theirs.answer)}", flush=True)
    if differ:
        print(f"# WARNING: {differ} of {len(sample)} sample answers differ", flush=True)


def rrs(section: list[Any]) -> list[str]:
    return sorted(line.lower() for rrset in section for line in rrset.to_text().splitlines())


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(what: str, value: float, unit: str, note: str = "", digits: int = 1) -> None:
    print(f"{what:<44} {value:>10.{digits}f} {unit:<10} {note}", flush=True)


def missing_tools() -> list[str]:
    return sorted({pkg for tool, pkg in TOOLS.items()
                   if not (shutil.which(tool) or Path("/usr/sbin", tool).exists())})


def tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def run(args: argparse.Namespace, tmp: Path) -> None:
    names = 2 * args.services + args.headless * (2 + PER_HEADLESS)
    (tmp / f"{ZONE}.zone").write_text(knot_zone(args.services, args.headless))
    queries = tmp / "queries.txt"
    queries.write_text("\n".join(query_mix(args.services, args.headless)) + "\n")
    note = f"({args.services} ClusterIP + {args.headless}x{PER_HEADLESS} headless, ~{names} names)"

    knot_port = free_port()
    (tmp / "db").mkdir()
    (tmp / "knot.conf").write_text(KNOT_CONF.format(d=tmp, port=knot_port, zone=ZONE))
    me = [sys.executable, str(Path(__file__).resolve()), "--serve",
          "--services", str(args.services), "--headless", str(args.headless)]
    if args.plain_udp:
        me.append("--plain-udp")
    with (
        started(pinned(SERVER_CORE, [tool("knotd"), "-c", str(tmp / "knot.conf")]),
                stdout=subprocess.DEVNULL) as knot,
        started(pinned(SERVER_CORE, me), stdin=subprocess.PIPE, stdout=subprocess.PIPE) as tk,
    ):
        assert tk.stdout is not None
        header = tk.stdout.readline().split()
        if not header or header[0] != "port":
            raise RuntimeError("tinykube's DNS server did not start")
        port = int(header[1])
        wait_serving(knot_port, knot, "knotd")
        if MULTICORE:  # knotd pins its UDP worker i to CPU i itself: put it back on ours
            subprocess.run(["taskset", "-a", "-cp", SERVER_CORE, str(knot.pid)],
                           check=True, capture_output=True, timeout=10)
        subprocess.run([tool("knotc"), "-c", str(tmp / "knot.conf"), "zone-status", ZONE],
                       check=True, capture_output=True, timeout=10)
        wait_serving(port, tk, "tinykube dns")
        compare(port, knot_port, query_mix(args.services, args.headless, 200, seed=7))
        # Alternating rounds, medians: a burst of other work on a shared machine spoils
        # one round of one server, not the comparison.
        knot_runs, tk_runs = [], []
        for _ in range(ROUNDS):
            knot_runs.append(dnsperf(knot_port, knot.pid, queries, args.seconds / ROUNDS, "Knot"))
            tk_runs.append(dnsperf(port, tk.pid, queries, args.seconds / ROUNDS, "tinykube"))
        print("# rounds: Knot " + " ".join(f"{q:.0f}" for q, _ in knot_runs)
              + ", tinykube " + " ".join(f"{q:.0f}" for q, _ in tk_runs) + " q/s", flush=True)
        knot_qps, knot_us = (statistics.median(v) for v in zip(*knot_runs, strict=True))
        tk_qps, tk_us = (statistics.median(v) for v in zip(*tk_runs, strict=True))
        delays = update_delays(tk, port, args.trials)

    line("Knot DNS queries/s (1 core)", knot_qps, "q/s", note)
    line("tinykube DNS queries/s (1 core)", tk_qps, "q/s", note)
    line("ratio tinykube / Knot", tk_qps / knot_qps, "", "(target >= 0.8)", digits=2)
    line("Knot CPU per query", knot_us, "us", "(server process, user + system)", digits=2)
    line("tinykube CPU per query", tk_us, "us", "(server process, user + system)", digits=2)
    line("CPU per query ratio Knot / tinykube", knot_us / tk_us, "",
         "(steadier than queries/s on a shared machine)", digits=2)
    if delays:
        trials = f"({len(delays)} of {args.trials} trials)"
        line("endpoint ready -> A served over UDP p50", statistics.median(delays), "ms", trials)
        line("endpoint ready -> A served over UDP p99", percentile(delays, 0.99), "ms", trials)
    else:
        print("# no probe endpoint was ever served", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000, help="ClusterIP Services")
    parser.add_argument("--headless", type=int, default=100,
                        help=f"headless Services of {PER_HEADLESS} endpoints")
    parser.add_argument("--seconds", type=float, default=12.0, help="dnsperf run per server")
    parser.add_argument("--trials", type=int, default=200, help="endpoint-ready trials")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plain-udp", action="store_true",
                        help="tinykube without recvmmsg/sendmmsg (one system call per datagram)")
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

    missing = missing_tools()
    if missing:
        print(f"# bench/dns.py skipped: missing {', '.join(missing)} "
              f"(install with: apt-get install {' '.join(missing)})", flush=True)
        return
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tinykube-dns-bench-") as tmp:
        run(args, Path(tmp))
    print(f"# total {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
