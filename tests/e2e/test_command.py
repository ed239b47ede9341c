"""The ``tinykube`` command itself: up (foreground and -d), down, kubeconfig, version.

These run the real command as a subprocess, as a user would, and read what it prints.
"""

from __future__ import annotations

import base64
import os
import queue
import signal
import stat
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from e2e_helpers import eventually

from tinykube.cmd import nodesupport, probe
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.port import free_port
from tinykube.testing.cluster import (
    NOWHERE_DNS,
    RunningCluster,
    node_name_for,
    running,
    tinykube,
    up_dns_flags,
)

pytestmark = pytest.mark.e2e


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(tinykube(*args), capture_output=True, text=True, timeout=120,
                          check=False)


def _node_flags(data_dir: Path) -> list[str]:
    """A node of this test's own (as root the node part runs) and DNS that stays local."""
    return ["--node-name", node_name_for(data_dir), *up_dns_flags([NOWHERE_DNS])]


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("detach", [[], ["-d"]], ids=["foreground", "detached"])
def test_second_up_on_a_running_data_dir(cluster: RunningCluster, detach: list[str]) -> None:
    proc = _run("up", *detach, "--data-dir", str(cluster.data_dir), "--port", str(free_port()),
                *_node_flags(cluster.data_dir))
    line = _one_error_line(proc)
    assert f"already running on data dir {cluster.data_dir}" in line
    assert f"(pid {cluster.pid()})" in line


@pytest.mark.parametrize("detach", [[], ["-d"]], ids=["foreground", "detached"])
def test_up_on_a_port_in_use(cluster: RunningCluster, tmp_path: Path, detach: list[str]) -> None:
    proc = _run("up", *detach, "--data-dir", str(tmp_path / "d"), "--port", str(cluster.port),
                *_node_flags(tmp_path / "d"))
    assert _one_error_line(proc) == (
        f"tinykube: port {cluster.port} is in use: is another tinykube running? try --port"
    )


def test_kubeconfig_command(cluster: RunningCluster) -> None:
    proc = _run("kubeconfig", "--data-dir", str(cluster.data_dir))
    assert proc.returncode == 0
    path = Path(proc.stdout.strip())
    assert path == cluster.kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cfg = yaml.safe_load(path.read_text())
    assert cfg["current-context"] == "tinykube"
    server = cfg["clusters"][0]["cluster"]["server"]
    assert server == f"https://127.0.0.1:{cluster.port}"
    ca = base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"])
    assert ca == cluster.ca_file.read_bytes()
    token = cfg["users"][0]["user"]["token"]
    assert probe.get(server, "/version", ca_file=cluster.ca_file, token=token).status == 200
    assert probe.get(server, "/api", ca_file=cluster.ca_file, token="wrong").status == 401


def test_version_command(cluster: RunningCluster) -> None:
    proc = _run("version", "--data-dir", str(cluster.data_dir))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("tinykube ")
    assert lines[1].startswith(f"server https://127.0.0.1:{cluster.port}: v1.32.")


def test_foreground_up_prints_progress_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    d = DataDir(tmp_path / "fg")
    port = free_port()
    proc = subprocess.Popen(
        tinykube("up", "--data-dir", str(d.root), "--port", str(port), *_node_flags(d.root)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    def saw(text: str) -> bool:
        while not lines.empty():
            seen.append(lines.get_nowait())
        return any(text in line for line in seen)

    threading.Thread(target=pump, daemon=True).start()
    try:
        eventually(lambda: saw(f"export KUBECONFIG={d.kubeconfig}"), timeout=90)
        assert probe.is_ready(f"https://127.0.0.1:{port}", ca_file=d.ca_file, token=d.token())
        assert d.pid_file.read_text().strip() == str(proc.pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    saw("")
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()
    names = [line[2:].rsplit(maxsplit=2)[0] for line in seen if line.startswith("✓ ")]
    support = nodesupport.detect()
    node = [f"node network {node_name_for(d.root)}", "node agent"] if support.node else []
    rest = [f"proxy ({support.dataplane})", "dns 10.96.0.10"] if support.node else []
    assert names[:names.index("ready") + 1] == [
        "certificates", "kubeconfig", "store (sqlite)", f"apiserver 127.0.0.1:{port}", *node,
        "controllers", *rest, "ready"]
    assert any(line.startswith("✓ apiserver stopped") for line in seen), seen
    assert any(line.startswith("✓ store closed") for line in seen), seen
    assert not d.pid_file.exists()
    assert "no tinykube is running" in _run("down", "--data-dir", str(d.root)).stdout


def test_detached_up_with_memory_store_then_down(tmp_path: Path) -> None:
    d = tmp_path / "bg"
    proc = _run("up", "-d", "--data-dir", str(d), "--port", str(free_port()), "--store", "memory",
                *_node_flags(d))
    assert proc.returncode == 0, proc.stderr
    assert "✓ store (memory)" in proc.stdout
    assert "✓ ready" in proc.stdout
    assert "tinykube down" in proc.stdout
    assert f"export KUBECONFIG={d}/kubeconfig" in proc.stdout
    pid = int((d / "tinykube.pid").read_text())

    proc = _run("down", "--data-dir", str(d))
    assert proc.returncode == 0, proc.stderr
    assert f"stopped (pid {pid})" in proc.stdout
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert "no tinykube is running" in _run("down", "--data-dir", str(d)).stdout
    assert "✓ store closed" in (d / "tinykube.log").read_text()


def test_detached_up_reports_a_failed_start(tmp_path: Path) -> None:
    d = DataDir(tmp_path / "broken")
    d.prepare()
    d.store.mkdir()  # the SQLite file cannot be opened: the background process dies
    proc = _run("up", "-d", "--data-dir", str(d.root), "--port", str(free_port()),
                *_node_flags(d.root))
    assert proc.returncode == 1
    assert "while starting" in proc.stderr
    assert f"last lines of {d.log_file}" in proc.stderr


def test_running_context_stops_the_cluster(tmp_path: Path) -> None:
    with running(tmp_path / "ctx", store="memory") as c:
        pid = c.pid()
        assert pid is not None
    assert c.pid() is None
    assert "no tinykube is running" in _run("down", "--data-dir", str(c.data_dir)).stdout
