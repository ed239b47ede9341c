"""``tinykube``'s kubectl-like verbs against a real ``tinykube up``, side by side with kubectl.

The verbs run as a user runs them (a subprocess of ``python -m tinykube.cli`` with the
cluster's kubeconfig) and walk the seed story in their own namespace: apply, get in every
output, describe, fail to create an invalid Service, scale, expose, watch, roll out and
delete. Where kubectl is on PATH (a fresh HOME: its dispatcher caches /version), the same
command through kubectl must print the same text, ages aside.
"""

from __future__ import annotations

import io
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from e2e_helpers import eventually
from e2e_samples import unique

from tinykube.cli import app
from tinykube.testing.cluster import RunningCluster

pytestmark = pytest.mark.e2e

MANIFESTS = Path(__file__).parent / "manifests"


@dataclass(frozen=True)
class Cli:
    """One of the two CLIs, in the test namespace. ``in_process`` runs tinykube's verbs in
    this process (``cli.app.main``): the same code, without an interpreter start per call."""

    argv0: list[str]
    kubeconfig: Path
    ns: str
    env: dict[str, str]
    in_process: bool = False

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = ["--kubeconfig", str(self.kubeconfig), *args]
        if self.in_process:
            out, err = io.StringIO(), io.StringIO()
            code = app.main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin or ""))
            return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
        return subprocess.run([*self.argv0, *argv], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False, input=stdin)

    def __call__(self, *args: str) -> str:
        proc = self.run("-n", self.ns, *args)
        assert proc.returncode == 0, f"{self.argv0[-1]} {' '.join(args)}: {proc.stderr}"
        return proc.stdout


def _tinykube(cluster: RunningCluster, ns: str) -> Cli:
    return Cli([sys.executable, "-m", "tinykube.cli"], cluster.kubeconfig, ns,
               dict(os.environ), in_process=True)


@pytest.fixture(scope="module")
def tk(cluster: RunningCluster) -> Iterator[Cli]:
    cli = _tinykube(cluster, unique("e2e-cli"))
    assert cli.run("create", "namespace", cli.ns).stdout == f"namespace/{cli.ns} created\n"
    yield cli
    cli.run("delete", "namespace", cli.ns, "--wait=false")


@pytest.fixture(scope="module")
def kc(tk: Cli, kube_home: Path) -> Cli:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not on PATH: nothing to compare tinykube's output with")
    env = {"HOME": str(kube_home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return Cli([binary], tk.kubeconfig, tk.ns, env)


def _same(tk: Cli, kc: Cli, *args: str) -> str:
    """Both CLIs print the same for ``args``; tinykube's output. Ages may tick between the
    two runs (and change column widths), so a difference is looked at again, twice."""
    for _ in range(3):
        ours, theirs = tk.run("-n", tk.ns, *args), kc.run("-n", kc.ns, *args)
        mine = (ours.returncode, ours.stdout, ours.stderr)
        if mine == (theirs.returncode, theirs.stdout, theirs.stderr):
            return ours.stdout
    assert mine == (theirs.returncode, theirs.stdout, theirs.stderr), f"tinykube {args}"
    return ours.stdout


def test_apply_creates_then_leaves_unchanged_then_configures(tk: Cli) -> None:
    path = str(MANIFESTS / "nginx.yaml")
    tk = replace(tk, in_process=False)  # the real command line, once
    assert tk("apply", "-f", path).splitlines() == [
        "deployment.apps/nginx-deployment created", "service/nginx-service created"]
    assert tk("apply", "-f", path).splitlines() == [
        "deployment.apps/nginx-deployment unchanged", "service/nginx-service unchanged"]
    assert tk("apply", "-f", str(MANIFESTS / "nginx-changed.yaml")).splitlines() == [
        "deployment.apps/nginx-deployment configured", "service/nginx-service configured"]
    ports = json.loads(tk("get", "svc", "nginx-service", "-o", "json"))["spec"]["ports"]
    assert [(p["name"], p["port"]) for p in ports] == [("http", 88), ("https", 443)]
    assert tk("apply", "--server-side", "-f", str(MANIFESTS / "headless.yaml")) == \
        "service/headless-service serverside-applied\n"


def test_kubectl_sees_what_tinykube_applied_as_unchanged(tk: Cli, kc: Cli) -> None:
    out = kc("apply", "-f", str(MANIFESTS / "nginx-changed.yaml"))
    assert out.splitlines() == [
        "deployment.apps/nginx-deployment unchanged", "service/nginx-service unchanged"]


@pytest.mark.parametrize("args", [
    ["get", "svc"], ["get", "svc", "-o", "wide"], ["get", "svc,deploy"], ["get", "all"],
    ["get", "deploy", "-o", "wide", "--show-labels"], ["get", "ep"], ["get", "endpointslices"],
    ["get", "svc", "-l", "tier=web"], ["get", "svc", "nginx-service", "headless-service"],
    ["get", "svc/nginx-service", "deploy/nginx-deployment"], ["get", "svc", "nope"],
    ["get", "pods"], ["get", "svc", "-o", "name"],
    ["get", "svc", "nginx-service", "-o", "yaml"], ["get", "svc", "-o", "json"],
    ["get", "svc", "-o", "jsonpath={.items[*].spec.clusterIP}"],
    ["get", "bogus"],
], ids=" ".join)
def test_get_prints_what_kubectl_prints(tk: Cli, kc: Cli, args: list[str]) -> None:
    _same(tk, kc, *args)


def test_get_all_namespaces_prints_what_kubectl_prints(tk: Cli, kc: Cli) -> None:
    out = _same(tk, kc, "get", "svc", "-A", "-l", "tier=web", "-o", "wide")
    assert out.splitlines()[1].split()[:2] == [tk.ns, "nginx-service"]


@pytest.mark.parametrize("args", [
    ["describe", "svc", "nginx-service"], ["describe", "svc", "headless-service"],
    ["describe", "deploy", "nginx-deployment"], ["describe", "svc"], ["describe", "svc", "ngi"],
    ["describe", "ep"], ["describe", "svc", "nope"], ["describe", "rs"], ["describe", "pods"],
], ids=" ".join)
def test_describe_prints_what_kubectl_prints(tk: Cli, kc: Cli, args: list[str]) -> None:
    _same(tk, kc, *args)


def test_invalid_service_fails_like_kubectl(tk: Cli, kc: Cli) -> None:
    path = str(MANIFESTS / "invalid-service.yaml")
    ours, theirs = tk.run("create", "-f", path, "-n", tk.ns), kc.run("create", "-f", path,
                                                                      "-n", kc.ns)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == theirs.stderr
    assert ours.stderr.startswith('The Service "bad-svc" is invalid: \n* spec.ports[0].port')


def test_scale(tk: Cli, kc: Cli) -> None:
    assert tk("scale", "deployment", "nginx-deployment", "--replicas=3") == \
        "deployment.apps/nginx-deployment scaled\n"
    assert kc("get", "deploy", "nginx-deployment", "-o", "jsonpath={.spec.replicas}") == "3"


def test_expose_builds_the_service_kubectl_builds(tk: Cli, kc: Cli) -> None:
    args = ["expose", "deployment", "nginx-deployment", "--port=8080", "--target-port=80"]
    assert tk(*args, "--name=exp-tk") == "service/exp-tk exposed\n"
    assert kc(*args, "--name=exp-kc") == "service/exp-kc exposed\n"

    def spec(name: str) -> dict[str, object]:
        s = json.loads(tk("get", "svc", name, "-o", "json"))["spec"]
        return {k: v for k, v in s.items() if k not in ("clusterIP", "clusterIPs")}

    assert spec("exp-tk") == spec("exp-kc")


def _watch(tk: Cli, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen([*tk.argv0, "--kubeconfig", str(tk.kubeconfig), *args, "-n", tk.ns],
                            env=tk.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def test_get_watch_prints_a_row_per_change(tk: Cli) -> None:
    proc, lines = _watch(tk, "get", "svc", "-w")
    seen: list[str] = []

    def rows(name: str, n: int) -> bool:
        while not lines.empty():
            seen.append(lines.get_nowait())
        return sum(line.startswith(name + " ") for line in seen) >= n

    try:
        eventually(lambda: rows("nginx-service", 1))
        assert seen[0].split()[:2] == ["NAME", "TYPE"]
        tk.run("expose", "deployment", "nginx-deployment", "--port=9090", "--name=exp-watch",
               "-n", tk.ns)
        eventually(lambda: rows("exp-watch", 1))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    header = seen[0]
    row = next(line for line in seen if line.startswith("exp-watch "))
    assert row.index("ClusterIP") == header.index("TYPE"), (header, row)


def _controllers_run(tk: Cli) -> bool:
    gen = tk("get", "deploy", "nginx-deployment", "-o",
             "jsonpath={.metadata.generation} {.status.observedGeneration}").split()
    return len(gen) == 2 and gen[0] == gen[1]


def test_rollout_status(tk: Cli) -> None:
    proc = tk.run("rollout", "status", "deployment/nginx-deployment", "--timeout=1", "-n",
                  tk.ns)
    if not _controllers_run(tk):
        assert proc.returncode == 1
        assert proc.stdout.startswith("Waiting for deployment")
        assert proc.stderr == "error: timed out waiting for the condition\n"
        pytest.skip("no deployment controller runs in this `tinykube up` yet: "
                    "rollout status can only wait")
    done = tk.run("rollout", "status", "deployment/nginx-deployment", "--timeout=60",
                  "-n", tk.ns)
    assert done.stdout.splitlines()[-1] == \
        'deployment "nginx-deployment" successfully rolled out'


def _pods_run(tk: Cli) -> bool:
    return bool(tk.run("get", "nodes", "-o", "name").stdout.strip())


def test_run_exec_and_logs(tk: Cli) -> None:
    out = tk("run", "busy", "--image=busybox", "--", "sh", "-c", "echo hello; sleep 3600")
    assert out == "pod/busy created\n"
    if not _pods_run(tk):
        proc = tk.run("-n", tk.ns, "exec", "busy", "--", "hostname")
        assert proc.returncode == 1
        assert "no node agent" in proc.stderr
        pytest.skip("no node agent runs in this `tinykube up` yet: exec and logs say so")
    eventually(lambda: tk("get", "pod", "busy", "-o", "jsonpath={.status.phase}") == "Running",
               timeout=60)
    assert tk("exec", "busy", "--", "hostname") == "busy\n"
    proc = tk.run("-n", tk.ns, "exec", "busy", "--", "sh", "-c", "exit 3")
    assert (proc.returncode, proc.stderr) == (3, "command terminated with exit code 3\n")
    eventually(lambda: tk("logs", "busy") == "hello\n", timeout=30)


def test_delete(tk: Cli, kc: Cli) -> None:
    assert tk("delete", "svc", "headless-service", "exp-tk", "exp-kc") == (
        'service "headless-service" deleted\nservice "exp-tk" deleted\n'
        'service "exp-kc" deleted\n')
    assert tk("delete", "-f", str(MANIFESTS / "nginx-changed.yaml")).splitlines() == [
        'deployment.apps "nginx-deployment" deleted', 'service "nginx-service" deleted']
    proc = tk.run("delete", "svc", "nginx-service", "-n", tk.ns)
    assert (proc.returncode, proc.stderr) == \
        (1, 'Error from server (NotFound): services "nginx-service" not found\n')
    tk.run("delete", "svc", "--all", "-n", tk.ns)
    _same(tk, kc, "get", "svc,deploy")
