"""The real ``kubectl`` against a running ``tinykube up``, with the kubeconfig it wrote.

kubectl here is the Google Cloud SDK dispatcher: it reads ``/version`` to pick its build
and caches the answer under ``$HOME/.kube/cache``, so it runs with a fresh HOME. The tests
walk one story in order in their own namespace: apply the seed's Deployment and Service,
re-apply it changed, apply server-side, get in every output, watch, describe, fail to
create an invalid Service, scale, and delete. They skip when kubectl is not on PATH.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_helpers import apps_api, core_api, eventually
from e2e_samples import unique
from kubernetes import client

from tinykube.testing.cluster import RunningCluster

pytestmark = [pytest.mark.e2e, pytest.mark.kubectl]

MANIFESTS = Path(__file__).parent / "manifests"


@dataclass(frozen=True)
class Kubectl:
    binary: str
    kubeconfig: Path
    home: Path
    ns: str

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--kubeconfig", str(self.kubeconfig), *args]

    def env(self) -> dict[str, str]:
        return {"HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "KUBECONFIG": str(self.kubeconfig)}

    def run(
        self, *args: str, ok: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self.argv(*args), env=self.env(), capture_output=True, text=True,
                              timeout=60, check=False, input=stdin)
        if ok:
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}{proc.stdout}"
        return proc

    def __call__(self, *args: str) -> str:
        """``kubectl ARGS -n NS``; its stdout, failing the test when it fails."""
        return self.run(*args, "-n", self.ns).stdout


@pytest.fixture(scope="module")
def kubectl(kubectl_bin: str, kube_home: Path, cluster: RunningCluster) -> Iterator[Kubectl]:
    k = Kubectl(kubectl_bin, cluster.kubeconfig, kube_home, unique("e2e-kubectl"))
    manifest = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": k.ns}})
    created = k.run("create", "-f", "-", stdin=manifest).stdout.strip()
    assert created == f"namespace/{k.ns} created"
    yield k
    k.run("delete", "namespace", k.ns, "--wait=false", ok=False)


def _service(core: Any, ns: str, name: str) -> Any:
    return core.read_namespaced_service(name, ns)


def test_create_namespace_by_name(kubectl: Kubectl) -> None:
    name = unique("e2e-ns")
    assert kubectl.run("create", "namespace", name).stdout.strip() == f"namespace/{name} created"
    kubectl.run("delete", "namespace", name, "--wait=false")


def test_version_reports_1_32(kubectl: Kubectl) -> None:
    server = json.loads(kubectl.run("version", "-o", "json").stdout)["serverVersion"]
    assert (server["major"], server["minor"]) == ("1", "32")
    assert server["gitVersion"].startswith("v1.32.")


def test_apply_creates(kubectl: Kubectl) -> None:
    out = kubectl("apply", "-f", str(MANIFESTS / "nginx.yaml"))
    assert out.splitlines() == [
        "deployment.apps/nginx-deployment created",
        "service/nginx-service created",
    ]


def test_apply_again_is_unchanged_and_a_changed_manifest_is_configured(
    kubectl: Kubectl, apis: client.ApiClient
) -> None:
    out = kubectl("apply", "-f", str(MANIFESTS / "nginx.yaml"))
    assert out.splitlines() == [
        "deployment.apps/nginx-deployment unchanged",
        "service/nginx-service unchanged",
    ]
    out = kubectl("apply", "-f", str(MANIFESTS / "nginx-changed.yaml"))
    assert out.splitlines() == [
        "deployment.apps/nginx-deployment configured",
        "service/nginx-service configured",
    ]
    svc = _service(core_api(apis), kubectl.ns, "nginx-service")
    assert [(p.name, p.port, p.protocol) for p in svc.spec.ports] == [
        ("http", 88, "TCP"), ("https", 443, "TCP")
    ]
    assert all(30000 <= p.node_port <= 32767 for p in svc.spec.ports)
    assert svc.metadata.labels == {"app": "nginx", "tier": "web"}
    deploy = apps_api(apis).read_namespaced_deployment("nginx-deployment", kubectl.ns)
    assert deploy.spec.replicas == 2


def test_apply_server_side(kubectl: Kubectl, apis: client.ApiClient) -> None:
    for _ in range(2):
        out = kubectl("apply", "--server-side", "-f", str(MANIFESTS / "headless.yaml"))
        assert out.strip() == "service/headless-service serverside-applied"
    svc = _service(core_api(apis), kubectl.ns, "headless-service")
    assert svc.spec.cluster_ip == "None"
    managers = {m.manager for m in svc.metadata.managed_fields or []}
    assert "kubectl" in managers


def test_get_wide(kubectl: Kubectl, apis: client.ApiClient) -> None:
    lines = kubectl("get", "svc", "-o", "wide").splitlines()
    assert lines[0].split() == [
        "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"
    ]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    svc = _service(core_api(apis), kubectl.ns, "nginx-service")
    ports = ",".join(f"{p.port}:{p.node_port}/TCP" for p in svc.spec.ports)
    _name, kind, ip, external, got_ports, _age, selector = rows["nginx-service"]
    assert (kind, ip, external, got_ports, selector) == (
        "NodePort", svc.spec.cluster_ip, "<none>", ports, "app=nginx"
    )
    assert rows["headless-service"][1:3] == ["ClusterIP", "None"]


def test_get_yaml(kubectl: Kubectl, apis: client.ApiClient) -> None:
    doc = yaml.safe_load(kubectl("get", "svc", "nginx-service", "-o", "yaml"))
    assert (doc["apiVersion"], doc["kind"]) == ("v1", "Service")
    assert doc["metadata"]["namespace"] == kubectl.ns
    svc = _service(core_api(apis), kubectl.ns, "nginx-service")
    assert doc["spec"]["clusterIP"] == svc.spec.cluster_ip
    assert doc["metadata"]["resourceVersion"] == svc.metadata.resource_version
    assert "kubectl.kubernetes.io/last-applied-configuration" in doc["metadata"]["annotations"]


def test_get_with_label_selector(kubectl: Kubectl) -> None:
    assert kubectl("get", "svc", "-l", "tier=web", "-o", "name").split() == [
        "service/nginx-service"
    ]
    names = [line.split()[0] for line in kubectl("get", "svc", "-l", "app=nginx").splitlines()]
    assert names == ["NAME", "nginx-service"]


def test_get_all_namespaces(kubectl: Kubectl) -> None:
    lines = kubectl.run("get", "svc", "-A").stdout.splitlines()
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    pairs = {tuple(line.split()[:2]) for line in lines[1:]}
    assert ("default", "kubernetes") in pairs
    assert (kubectl.ns, "nginx-service") in pairs
    assert (kubectl.ns, "headless-service") in pairs


def test_get_watch_prints_changes(kubectl: Kubectl, apis: client.ApiClient) -> None:
    proc = subprocess.Popen(
        kubectl.argv("get", "svc", "nginx-service", "-w", "-n", kubectl.ns),
        env=kubectl.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []

    def rows(n: int) -> bool:
        while not lines.empty():
            seen.append(lines.get_nowait())
        return sum(line.startswith("nginx-service ") for line in seen) >= n

    try:
        eventually(lambda: rows(1))
        assert seen[0].split()[:2] == ["NAME", "TYPE"]
        core_api(apis).patch_namespaced_service(
            "nginx-service", kubectl.ns, {"metadata": {"labels": {"watched": "yes"}}}
        )
        eventually(lambda: rows(2))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the dispatcher and the kubectl it runs
        proc.wait(10)
    assert all(line.split()[1] == "NodePort" for line in seen[1:]), seen


def test_describe_svc(kubectl: Kubectl, apis: client.ApiClient) -> None:
    out = kubectl("describe", "svc", "nginx-service")
    svc = _service(core_api(apis), kubectl.ns, "nginx-service")
    fields = dict(re.findall(r"^([A-Za-z][A-Za-z ]*):[ \t]*(.*?)[ \t]*$", out, re.M))
    assert fields["Name"] == "nginx-service"
    assert fields["Namespace"] == kubectl.ns
    assert fields["Selector"] == "app=nginx"
    assert fields["Type"] == "NodePort"
    assert fields["IP"] == svc.spec.cluster_ip
    assert fields["Session Affinity"] == "None"
    assert re.search(r"^Port:\s+http\s+88/TCP$", out, re.M), out
    assert re.search(r"^NodePort:\s+https\s+\d+/TCP$", out, re.M), out


def test_create_invalid_service(kubectl: Kubectl) -> None:
    proc = kubectl.run("create", "-f", str(MANIFESTS / "invalid-service.yaml"), "-n", kubectl.ns,
                       ok=False)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[0] == 'The Service "bad-svc" is invalid: '
    assert "* spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive" in lines
    assert (
        '* spec.ports[1].protocol: Unsupported value: "HTTP": supported values: '
        '"SCTP", "TCP", "UDP"'
    ) in lines
    missing = kubectl.run("get", "svc", "bad-svc", "-n", kubectl.ns, ok=False)
    assert missing.returncode == 1
    assert 'services "bad-svc" not found' in missing.stderr


def test_scale(kubectl: Kubectl, apis: client.ApiClient) -> None:
    out = kubectl("scale", "deployment", "nginx-deployment", "--replicas=3")
    assert out.strip() == "deployment.apps/nginx-deployment scaled"
    apps = apps_api(apis)
    assert apps.read_namespaced_deployment("nginx-deployment", kubectl.ns).spec.replicas == 3


def test_delete_and_delete_file(kubectl: Kubectl) -> None:
    assert kubectl("delete", "svc", "headless-service").strip() == (
        'service "headless-service" deleted'
    )
    out = kubectl("delete", "-f", str(MANIFESTS / "nginx-changed.yaml"))
    assert out.splitlines() == [
        'deployment.apps "nginx-deployment" deleted',
        'service "nginx-service" deleted',
    ]
    empty = kubectl.run("get", "svc,deploy", "-n", kubectl.ns)
    assert empty.stdout == ""
    assert f"No resources found in {kubectl.ns} namespace." in empty.stderr
