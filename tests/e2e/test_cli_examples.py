"""Every walkthrough in ``examples/`` followed with ``tinykube`` only, against ``tinykube up``.

Each README is read as a script: its ``console`` blocks hold ``$ command`` lines and the
output shown after them. The steps run in order in the example's directory, exactly as a
user types them (in this process for plain ``tinykube`` commands, through a shell for pipes,
stdin and host commands), and what they print is checked against the README: exactly for
``apply``/``create``/``scale``/``expose``/``run``/``wait``, as a subset for ``delete``, by the last
line for ``rollout``, by columns and names for ``get``, by field labels for ``describe``,
with addresses masked for ``exec``. A block marked ``<!-- needs: pods dns proxy -->`` runs
only when the cluster has that part (a node agent, cluster DNS, the service proxy); the
parts skipped are reported by ``test_walkthrough_needs``, with the reason.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_samples import unique

from tinykube.cli import app
from tinykube.testing.cluster import RunningCluster

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WALKTHROUGHS = sorted(d.name for d in EXAMPLES.iterdir() if (d / "README.md").exists())
BLOCK = re.compile(r"(<!--\s*needs:[^>]*-->\s*\n)?```console\n(.*?)```", re.S)
IPV4 = re.compile(r"\b\d+\.\d+\.\d+\.\d+\b")
FIELD = re.compile(r"^([A-Z][A-Za-z -]*):", re.M)
HASHED = re.compile(r"-[a-z0-9]{8,10}(-[a-z0-9]{5})?$")
WHY = {
    "controllers": "no controllers run in this `tinykube up` yet",
    "pods": "no node agent runs pods in this `tinykube up` yet",
    "dns": "no cluster DNS serves this `tinykube up` yet",
    "proxy": "no service proxy publishes NodePorts for this `tinykube up` yet",
    "slow": "waits a minute for the seed's 60 s probe delay",
}
SKIPPED: dict[str, list[str]] = {}


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)
    stdin: list[str] = field(default_factory=list)

    @property
    def verb(self) -> str:
        words = self.command.split()
        return words[1] if words[0] == "tinykube" and len(words) > 1 else words[0]


@dataclass(frozen=True)
class Block:
    needs: frozenset[str]
    steps: list[Step]


def parse(readme: str) -> list[Block]:
    blocks = []
    for m in BLOCK.finditer(readme):
        marker = re.search(r"needs:\s*([a-z ]+)", m.group(1) or "")
        needs = frozenset(marker.group(1).split()) if marker else frozenset()
        steps: list[Step] = []
        for line in m.group(2).splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:]))
            elif line.startswith("/ # ") and steps:
                steps[-1].stdin.append(line[4:])
            elif steps:
                steps[-1].expected.append(line)
        blocks.append(Block(needs, steps))
    return blocks


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Shell:
    cluster: RunningCluster
    cwd: Path

    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.cluster.kubeconfig)}

    def run(self, step: Step) -> tuple[int, list[str]]:
        words = shlex.split(step.command)
        plain = words[0] == "tinykube" and not step.stdin and "-w" not in words and \
            not any(w in ("|", ">", "<") for w in words)
        if plain:
            return self._in_process(words[1:])
        return self._shell(step)

    def _in_process(self, argv: list[str]) -> tuple[int, list[str]]:
        out, err = io.StringIO(), io.StringIO()
        here = Path.cwd()
        os.chdir(self.cwd)
        try:
            code = app.main(["--kubeconfig", str(self.cluster.kubeconfig), *argv],
                            stdout=out, stderr=err, stdin=io.StringIO())
        finally:
            os.chdir(here)
        return code, (out.getvalue() + err.getvalue()).splitlines()

    def _shell(self, step: Step) -> tuple[int, list[str]]:
        command = step.command
        if command.startswith("tinykube "):
            command = f"{shlex.quote(sys.executable)} -m tinykube.cli {command[9:]}"
        if " -w" in step.command:
            command = f"timeout 3 {command}"
        stdin = "".join(line + "\n" for line in step.stdin) if step.stdin else None
        proc = subprocess.run(command, shell=True, cwd=self.cwd, env=self.env(), text=True,
                              capture_output=True, timeout=120, check=False, input=stdin,
                              stdin=None if stdin is not None else subprocess.DEVNULL)
        code = 0 if (" -w" in step.command and proc.returncode == 124) else proc.returncode
        return code, (proc.stdout + proc.stderr).splitlines()


def check(step: Step, code: int, got: list[str]) -> None:
    want = step.expected
    failing = bool(want) and want[0].startswith(("Error from server", "error:"))
    assert code == (1 if failing else 0), f"{step.command}: exit {code}\n" + "\n".join(got)
    what = f"{step.command}:\n" + "\n".join(got)
    if step.stdin:  # a terminal session: its output interleaves prompts and echoes
        assert any(want[-1] in line for line in got), what  # pod "x" deleted
    elif step.verb in ("apply", "create", "scale", "expose", "run", "wait"):
        assert got == want, what
    elif step.verb == "delete":
        assert set(got) <= set(want), what
    elif step.verb == "rollout":
        assert got[-1:] == want[-1:], what
    elif step.verb == "get":
        _check_table(want, got, what)
    elif step.verb == "describe":
        assert FIELD.findall("\n".join(got)) == FIELD.findall("\n".join(want)), what
    elif step.verb == "exec":
        assert _masked(got) == _masked(want), what


def _masked(lines: list[str]) -> list[str]:
    """Addresses differ from run to run; nslookup's own ``;;`` remarks are not the answer."""
    return [IPV4.sub("IP", line) for line in lines if not line.startswith(";;")]


def _check_table(want: list[str], got: list[str], what: str) -> None:
    assert got, what
    assert got[0].split() == want[0].split(), what
    names = {line.split()[0] for line in got[1:] if line.strip()}
    for line in want[1:]:
        name = line.split()[0] if line.strip() else ""
        if name and not HASHED.search(name):
            assert name in names, f"{name} missing from\n{what}"


# --------------------------------------------------------------------------- what runs


Tk = Callable[..., str]


@functools.cache
def _capabilities(kubeconfig: str) -> frozenset[str]:
    def tk(*argv: str, stdin: str = "") -> str:
        out = io.StringIO()
        app.main(["--kubeconfig", kubeconfig, *argv], stdout=out, stderr=io.StringIO(),
                 stdin=io.StringIO(stdin))
        return out.getvalue()

    found = set()
    if _controllers_run(tk):
        found.add("controllers")
        if "True" in tk("get", "nodes", "-o",
                        'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'):
            found.add("pods")
    if "pods" in found and tk("get", "endpointslices", "-n", "kube-system", "-l",
                              "kubernetes.io/service-name=kube-dns", "-o", "name"):
        found.add("dns")
        if _proxy_publishes(tk):
            found.add("proxy")
    return frozenset(found)


def _controllers_run(tk: Tk) -> bool:
    """A Deployment of no replicas gets its status observed when controllers run."""
    ns = unique("e2e-probe")
    tk("create", "namespace", ns)
    try:
        tk("create", "deployment", "probe", "--image=nginx", "--replicas=0", "-n", ns)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if tk("get", "deploy", "probe", "-n", ns, "-o",
                  "jsonpath={.status.observedGeneration}").strip():
                return True
            time.sleep(0.2)
        return False
    finally:
        tk("delete", "namespace", ns, "--wait=false")


def _proxy_publishes(tk: Tk) -> bool:
    """Something answers on a NodePort of 127.0.0.1, the service proxy's publisher."""
    ns = unique("e2e-probe")
    tk("create", "namespace", ns)
    try:
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "probe"},
               "spec": {"type": "NodePort", "ports": [{"port": 80}]}}
        tk("apply", "-n", ns, "-f", "-", stdin=json.dumps(svc))
        port = tk("get", "svc", "probe", "-n", ns, "-o", "jsonpath={.spec.ports[0].nodePort}")
        if not port.strip().isdigit():
            return False
        time.sleep(1)
        with socket.socket() as s:
            s.settimeout(2)
            return s.connect_ex(("127.0.0.1", int(port))) == 0
    finally:
        tk("delete", "namespace", ns, "--wait=false")


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", WALKTHROUGHS)
def test_walkthrough(cluster: RunningCluster, name: str) -> None:
    directory = EXAMPLES / name
    blocks = parse((directory / "README.md").read_text())
    assert blocks and blocks[-1].steps, f"{name}: no steps"
    have = _capabilities(str(cluster.kubeconfig))
    shell = Shell(cluster, directory)
    skipped = SKIPPED.setdefault(name, [])
    cleanup = blocks[-1]
    try:
        for block in blocks:
            missing = sorted(block.needs - have)
            if missing:
                skipped.append(f"{block.steps[0].command!r} ({WHY[missing[0]]})")
                continue
            for step in block.steps:
                check(step, *shell.run(step))
    finally:
        for step in cleanup.steps:
            shell.run(step)


@pytest.mark.parametrize("name", WALKTHROUGHS)
def test_walkthrough_needs(cluster: RunningCluster, name: str) -> None:
    """The steps ``test_walkthrough`` could not run on this cluster, and why."""
    skipped = SKIPPED.get(name)
    if skipped is None:
        pytest.skip("test_walkthrough did not run")
    if skipped:
        pytest.skip(f"{name}: {len(skipped)} steps need more than this cluster has: "
                    + "; ".join(skipped))


def test_every_walkthrough_is_checked() -> None:
    assert WALKTHROUGHS == ["headless-grpc", "headless-service", "service-concepts",
                            "service-types", "statefulset-identity"]
    for name in WALKTHROUGHS:
        manifests = list((EXAMPLES / name).rglob("*.yaml"))
        readme = (EXAMPLES / name / "README.md").read_text()
        for m in manifests:
            assert str(m.relative_to(EXAMPLES / name)) in readme or "-f ." in readme, m
