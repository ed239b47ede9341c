"""The node part across crashes, and ``up`` without root.

A cluster of this test's own (restarting the session's would pull it from under the other
tests): after ``kill -9`` the node's and pods' namespaces are still there (nothing could
remove them); the next ``up`` removes them, brings every pod back with its name and IP, and
kills none but the old processes; after another ``kill -9``, ``tinykube down`` removes
what was left without starting anything. Without root, ``up`` runs the API and the
controllers and says plainly that pods, the dataplane and DNS are off.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import api_client, apps_api, core_api, eventually
from e2e_samples import unique

import tinykube as tinykube_pkg
from tinykube.cmd.port import free_port
from tinykube.testing.cluster import (
    NOWHERE_DNS,
    RunningCluster,
    clean,
    footprint,
    kill9,
    remains,
    start,
    stop,
    tinykube,
    up_dns_flags,
)

ROOT = os.geteuid() == 0
pytestmark = [pytest.mark.e2e, pytest.mark.root,
              pytest.mark.skipif(not ROOT, reason="needs root: it runs and crashes the node "
                                                  "part, and starts a cluster as another user")]


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {"metadata": {"name": name}, "spec": {
        "replicas": 2, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}],
        }}}}


def _running(cluster: RunningCluster, name: str) -> dict[str, tuple[str, str]]:
    """name -> (uid, pod IP) of the deployment's pods once both run; {} before."""
    with api_client(cluster) as apis:
        pods = core_api(apis).list_namespaced_pod("default", label_selector=f"app={name}").items
    if len(pods) != 2 or any(p.status.phase != "Running" or not p.status.pod_ip for p in pods):
        return {}
    return {p.metadata.name: (p.metadata.uid, p.status.pod_ip) for p in pods}


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "data"
    yield d
    clean(d)  # whatever a failing test left


def test_crash_leftovers_are_removed_by_up_then_by_down(data: Path) -> None:
    port = free_port()
    cluster = start(data, port)
    try:
        with api_client(cluster) as apis:
            name = unique("crash")
            apps_api(apis).create_namespaced_deployment("default", _deployment(name))
        pods = eventually(lambda: _running(cluster, name), timeout=60)
        before = footprint(data)
        assert cluster.node_name in before.namespaces
        assert len(before.namespaces) == 3 and before.pids, before

        kill9(cluster)
        assert remains(before, data), "a crash cannot have removed the namespaces"

        cluster = start(data, port)
        assert not _alive(before.pids), "the crashed run's pod processes still run"
        assert eventually(lambda: _running(cluster, name), timeout=60) == pods

        again = footprint(data)
        kill9(cluster)
        down = subprocess.run(tinykube("down", "--data-dir", str(data)), capture_output=True,
                              text=True, timeout=60, check=False)
        assert down.returncode == 0, down.stderr
        assert "no tinykube is running" in down.stdout
        assert "removed leftovers (3 namespaces)" in down.stdout, down.stdout
        assert remains(again, data) == []
    finally:
        stop(cluster)


def _alive(pids: tuple[int, ...]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists()
            and " Z " not in Path(f"/proc/{p}/stat").read_text()}


NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]


def _as_nobody() -> tuple[list[str], dict[str, str]]:
    """A Python that user ``nobody`` can run (and that can start itself again, as ``up -d``
    does) with this checkout's packages; skips when there is none. This interpreter may
    live where ``nobody`` cannot read (a venv made from a Python under /root): the system
    Python of the same version with our site-packages on its path then does."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed: cannot start a cluster as another user")
    paths = [str(Path(tinykube_pkg.__file__).parents[1]), *site.getsitepackages()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    probe = ("import subprocess, sys, tinykube.cmd.up; "
             "subprocess.run([sys.executable, '-V'], check=True)")
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for python in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if Path(python).exists() and subprocess.run(
                [*NOBODY, python, "-c", probe], env=env, cwd="/", capture_output=True,
                timeout=30, check=False).returncode == 0:
            return [*NOBODY, python, "-m", "tinykube.cmd.main"], env
    pytest.skip("no Python that user nobody can run with this checkout's packages")


def test_up_without_root_runs_the_api_and_says_what_is_off() -> None:
    command, env = _as_nobody()
    root = Path(tempfile.mkdtemp(prefix="tinykube-nonroot-"))
    os.chown(root, 65534, 65534)
    data = root / "data"
    env["HOME"] = str(root)
    try:
        up = subprocess.run(
            [*command, "up", "-d", "--data-dir", str(data), "--port", str(free_port()),
             *up_dns_flags([NOWHERE_DNS])],
            capture_output=True, text=True, timeout=120, check=False, cwd=root, env=env)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "! not root: pods, the dataplane and DNS are off" in up.stdout
        assert "sudo make up" in up.stdout
        assert "✓ controllers" in up.stdout and "✓ node" not in up.stdout
        assert "pods        off:" in up.stdout
    finally:
        subprocess.run([*command, "down", "--data-dir", str(data)], env=env, cwd=root,
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


def test_a_node_name_in_use_is_refused(cluster: RunningCluster, tmp_path: Path) -> None:
    """Another data dir, the session cluster's node name: refused before anything starts
    (the node's namespace would otherwise be taken for a crashed run's and deleted)."""
    up = subprocess.run(
        tinykube("up", "-d", "--data-dir", str(tmp_path / "other"), "--port", str(free_port()),
                 "--node-name", cluster.node_name, *up_dns_flags([NOWHERE_DNS])),
        capture_output=True, text=True, timeout=120, check=False)
    assert up.returncode == 1, up.stdout
    assert f"node name {cluster.node_name} is in use by another tinykube" in up.stderr
    assert f"data dir {cluster.data_dir}" in up.stderr
    assert os.path.exists(f"/run/netns/{cluster.node_name}")
