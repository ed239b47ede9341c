"""The gRPC stand-ins: the pure settings and tallies, then real processes on loopback.

Three servers listen on 127.0.0.2, .3 and .4 (each a "pod"); the client reaches them through
an ``ipv4:`` target that lists all three, as DNS for a headless Service would, or only one,
as a ClusterIP would. Every process is started here and stopped by its pid, even when a
test fails; every wait is bounded.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinykube.agent.standins import grpc_lb
from tinykube.agent.standins.grpc_lb import UsageError

MODULE = "tinykube.agent.standins.grpc_lb"
WAIT = 20.0


# --------------------------------------------------------------------------- pure parts


def test_client_needs_server_host() -> None:
    with pytest.raises(UsageError, match="SERVER_HOST is not set"):
        grpc_lb.client_config({})


def test_client_defaults_follow_the_seed() -> None:
    config = grpc_lb.client_config({"SERVER_HOST": "grpc-server-service:80"})
    assert config.target == "dns:///grpc-server-service:80"
    assert (config.calls, config.threads, config.oneshot) == (1000, 10, False)


def test_target_overrides_server_host() -> None:
    config = grpc_lb.client_config({"SERVER_HOST": "x:1", "TARGET": "ipv4:127.0.0.2:9",
                                    "CALLS": "30", "THREADS": "3", "ONESHOT": "1"})
    assert (config.target, config.calls, config.threads, config.oneshot) == (
        "ipv4:127.0.0.2:9", 30, 3, True)


@pytest.mark.parametrize(("name", "value"), [("CALLS", "0"), ("CALLS", "lots"),
                                             ("CALLS", "1000001"), ("THREADS", "65")])
def test_settings_are_bounded(name: str, value: str) -> None:
    with pytest.raises(UsageError, match=name):
        grpc_lb.client_config({"SERVER_HOST": "s:80", name: value})


def test_server_defaults_to_port_8001_and_the_hostname() -> None:
    assert grpc_lb.server_config({}, "grpc-server-abc") == grpc_lb.ServerConfig(
        "grpc-server-abc", "0.0.0.0", 8001)
    assert grpc_lb.server_config({"POD_NAME": "p", "PORT": "9000"}, "h").port == 9000
    assert grpc_lb.server_config({"POD_NAME": "p"}, "h").pod == "p"


def test_shares_cover_every_call_and_idle_no_thread() -> None:
    assert grpc_lb.shares(1000, 10) == [100] * 10
    assert grpc_lb.shares(11, 3) == [4, 4, 3]
    assert grpc_lb.shares(2, 10) == [1, 1]


@pytest.mark.parametrize(("peer", "address"), [
    ("ipv4:10.244.0.7:51234", "10.244.0.7:51234"),
    ("ipv6:%5B::1%5D:5000", "[::1]:5000"),
    ("something-else", "something-else"),
])
def test_peer_address(peer: str, address: str) -> None:
    assert grpc_lb.peer_address(peer) == address


def test_tally_summary_is_sorted_and_names_failures() -> None:
    tally = grpc_lb.Tally()
    for pod in ("web-b", "web-a", "web-b"):
        tally.answered(pod)
    assert tally.failure("UNAVAILABLE: gone") == 4
    assert tally.summary() == ["calls per pod: web-a=1 web-b=2",
                               "failed calls: 1 (last: UNAVAILABLE: gone)"]


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path

    def text(self) -> str:
        return self.out.read_text()


def start(args: list[str], env: dict[str, str], where: Path) -> Proc:
    out, err = where.with_suffix(".out"), where.with_suffix(".err")
    with out.open("wb") as o, err.open("wb") as e:
        popen = subprocess.Popen([sys.executable, "-m", MODULE, *args], stdout=o, stderr=e,
                                 stdin=subprocess.DEVNULL, env={**os.environ, **env})
    return Proc(popen, out, err)


def stop(proc: Proc) -> None:
    if proc.popen.poll() is None:
        proc.popen.terminate()
        try:
            proc.popen.wait(WAIT)
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait(WAIT)


def wait_for(proc: Proc, pattern: str) -> re.Match[str]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = re.search(pattern, proc.text())
        if found:
            return found
        if proc.popen.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"no {pattern!r} in output; stderr: {proc.err.read_text()}")


@dataclass
class Pods:
    procs: dict[str, Proc]
    addresses: dict[str, str]   # pod name -> ip:port


@pytest.fixture(scope="module")
def pods(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pods]:
    where = tmp_path_factory.mktemp("grpc-lb")
    procs: dict[str, Proc] = {}
    try:
        for i, pod in enumerate(("pod-a", "pod-b", "pod-c"), start=2):
            env = {"POD_NAME": pod, "PORT": "0", "BIND_ADDRESS": f"127.0.0.{i}"}
            procs[pod] = start(["server"], env, where / pod)
        addresses = {pod: f"127.0.0.{i}:" + wait_for(p, r"pod-\w listening on :(\d+)")[1]
                     for i, (pod, p) in enumerate(procs.items(), start=2)}
        yield Pods(procs, addresses)
    finally:
        for proc in procs.values():
            stop(proc)


def run_client(env: dict[str, str], where: Path) -> tuple[int, str, str]:
    proc = start(["client"], {"ONESHOT": "1", **env}, where)
    try:
        code = proc.popen.wait(WAIT)
    finally:
        stop(proc)
    return code, proc.text(), proc.err.read_text()


def per_pod(output: str) -> dict[str, int]:
    line = next(ln for ln in output.splitlines() if ln.startswith("calls per pod:"))
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split(":", 1)[1].split())}


def test_round_robin_spreads_calls_over_every_listed_pod(pods: Pods, tmp_path: Path) -> None:
    target = "ipv4:" + ",".join(pods.addresses.values())
    code, out, err = run_client({"TARGET": target, "CALLS": "90", "THREADS": "10"},
                                tmp_path / "client")
    assert code == 0, err
    counts = per_pod(out)
    assert set(counts) == set(pods.addresses)
    assert all(n > 0 for n in counts.values())
    assert sum(counts.values()) == 90
    assert len(re.findall(r"^call \d+/90 answered by pod-\w$", out, re.M)) == 90


def test_one_address_means_one_pod_serves_every_call(pods: Pods, tmp_path: Path) -> None:
    before = pods.procs["pod-b"].text().count("served call from 127.0.0.")
    code, out, err = run_client({"TARGET": "ipv4:" + pods.addresses["pod-b"], "CALLS": "40"},
                                tmp_path / "client")
    assert code == 0, err
    assert per_pod(out) == {"pod-b": 40}
    deadline = time.monotonic() + WAIT   # the server's log lines are flushed per call
    while pods.procs["pod-b"].text().count("served call from 127.0.0.") < before + 40:
        assert time.monotonic() < deadline, pods.procs["pod-b"].text()[-500:]
        time.sleep(0.05)


def test_client_without_server_host_fails_clearly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SERVER_HOST", "TARGET")}
    proc = subprocess.run([sys.executable, "-m", MODULE, "client"], env=env, timeout=WAIT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "SERVER_HOST is not set" in proc.stderr


def test_unknown_role_prints_usage() -> None:
    proc = subprocess.run([sys.executable, "-m", MODULE, "proxy"], timeout=WAIT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr


def test_client_keeps_running_after_its_calls_until_sigterm(pods: Pods, tmp_path: Path) -> None:
    proc = start(["client"], {"TARGET": "ipv4:" + pods.addresses["pod-a"], "CALLS": "5"},
                 tmp_path / "client")
    try:
        wait_for(proc, r"calls per pod: pod-a=5")
        assert proc.popen.poll() is None
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(WAIT) == 0
    finally:
        stop(proc)


def test_server_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    proc = start(["server"], {"POD_NAME": "lone", "PORT": "0", "BIND_ADDRESS": "127.0.0.1"},
                 tmp_path / "server")
    try:
        wait_for(proc, r"lone listening on :\d+")
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(WAIT) == 0
        assert "grpc-lb-server lone stopped" in proc.text()
    finally:
        stop(proc)
