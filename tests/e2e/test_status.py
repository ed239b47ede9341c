"""``tinykube status`` against the session cluster, and against a data dir where none runs.

The real command as a subprocess, as a user runs it: every component the cluster's ``up``
published, the node, the DNS question (as root), counts, a NodePort of this test's own.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_samples import unique
from kubernetes import client

from tinykube.testing.cluster import ROOT, RunningCluster, tinykube

pytestmark = pytest.mark.e2e

COMPONENTS = ["store", "apiserver", "node-agent", "informers", "controller-manager", "proxy",
              "dns"]
NODE_PART = {"node-agent", "proxy", "dns"}


def _status(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(tinykube("status", "--data-dir", str(data_dir), *args),
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def node_port(core: Any, ns: str) -> Iterator[tuple[str, int]]:
    """A NodePort Service of this module's own: its name and its allocated port."""
    name = unique("status")
    svc = core.create_namespaced_service(ns, {
        "metadata": {"name": name},
        "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80}]},
    })
    yield name, int(svc.spec.ports[0].node_port)
    with contextlib.suppress(client.ApiException):
        core.delete_namespaced_service(name, ns)


def test_status_of_the_running_cluster(cluster: RunningCluster, ns: str,
                                       node_port: tuple[str, int]) -> None:
    proc = _status(cluster.data_dir)
    assert proc.returncode == 0, proc
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"tinykube · data dir {cluster.data_dir} · pid {cluster.pid()}")
    # "✓ store                 sqlite · running 5m": a component's name is followed by two
    # spaces at least (the names are padded to 20 or more)
    marks = {line[2:].split("  ")[0]: line[0] for line in lines[1:] if line[:1] in ("✓", "✗", "!")}
    for name in COMPONENTS:
        assert marks[name] == ("!" if name in NODE_PART and not ROOT else "✓"), proc.stdout
    assert f"{cluster.server} · v1." in proc.stdout
    labels = {line.split()[0] for line in lines if line.startswith("  ") and line.strip()}
    assert {"namespaces", "nodes", "services", "pods", "endpoints", "endpointslices",
            "nodeports"} <= labels
    name, port = node_port
    if ROOT:
        assert f"✓ node {cluster.node_name}" in proc.stdout
        assert marks["dns answers"] == "✓"
        assert f"/run/netns/{cluster.node_name}" in proc.stdout
        assert "kubernetes.default.svc.cluster.local → 10.96.0.1" in proc.stdout
        assert f"127.0.0.1:{port}/TCP → {ns}/{name}:80" in proc.stdout
    else:
        assert marks["node"] == "!"
        assert f"{port}/TCP → {ns}/{name}:80" in proc.stdout


def test_status_as_json(cluster: RunningCluster, ns: str, node_port: tuple[str, int]) -> None:
    proc = _status(cluster.data_dir, "-o", "json")
    assert proc.returncode == 0, proc
    doc = json.loads(proc.stdout)
    assert (doc["running"], doc["healthy"], doc["pid"]) == (True, True, cluster.pid())
    states = {c["name"]: c["state"] for c in doc["components"]}
    assert states == {n: "off" if n in NODE_PART and not ROOT else "running"
                      for n in COMPONENTS}
    assert doc["apiserver"]["ready"] is True
    assert doc["counts"]["namespaces"] >= 5  # default, kube-system, kube-public, ..., ns
    assert doc["counts"]["services"].get("NodePort", 0) >= 1
    name, port = node_port
    assert {"namespace": ns, "service": name, "nodePort": port}.items() <= next(
        p for p in doc["nodePorts"] if p["service"] == name).items()
    if ROOT:
        node = next(n for n in doc["nodes"] if n["name"] == cluster.node_name)
        assert (node["ready"], node["netnsExists"], node["ip"]) == ("True", True, "172.18.0.2")
        assert doc["dns"]["answers"] == ["10.96.0.1"]


def test_status_without_a_cluster(tmp_path: Path) -> None:
    proc = _status(tmp_path / "empty")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (f"tinykube: no tinykube is running on data dir {tmp_path / 'empty'}; "
                           f"start one with `tinykube up -d --data-dir {tmp_path / 'empty'}`\n")
