"""Pods of the seeds' workloads as ``tinykube up``'s node agent runs them: real processes.

Each test has a namespace of its own on the session cluster:

- the seed's my-nginx Deployment and web StatefulSet reach Running and Ready with
  distinct 10.244.0.x IPs, Deployment pods named ``my-nginx-<hash>-<suffix>``;
- ``tinykube exec web-0 -- hostname`` is ``web-0`` and ``hostname -f`` its FQDN under the
  headless Service; the pod's /etc/resolv.conf is the cluster's; deleted, web-0 comes back
  as a new pod with the same name, hostname and FQDN;
- an exec readiness probe on a file of the test's moves the pod out of Ready and back;
- a crashing container shows its restarts, last exit and CrashLoopBackOff, in the API and
  in ``kubectl get pods``; ``kubectl logs`` (and ``--previous``) print its output;
- ``kubectl get pods -o wide``, ``kubectl exec`` and ``kubectl logs`` on the web pods;
- a container's env has the service variables of the Services that existed when it
  started, and not of those made later.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import apps_api, core_api, eventually, namespace
from e2e_pods import (
    POD_NET,
    ROOT_ONLY,
    Kubectl,
    becomes,
    condition,
    create,
    manifest,
    pod_exec,
    ready_pods,
    running_pods,
    table,
)
from kubernetes import client

from tinykube.testing.cluster import RunningCluster

pytestmark = ROOT_ONLY

CLUSTER_DNS = "10.96.0.10"
TEMPLATE_HASH_NAME = re.compile(r"^my-nginx-[a-z0-9]{6,10}-[a-z0-9]{5}$")


@pytest.fixture
def ns(apis: client.ApiClient) -> Iterator[str]:
    with namespace(apis, "up-pods") as name:
        yield name


@pytest.fixture
def kubectl(kubectl_bin: str, kube_home: Path, cluster: RunningCluster) -> Kubectl:
    return Kubectl(kubectl_bin, cluster.kubeconfig, kube_home)


def _of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


# --------------------------------------------------------------------------- running pods


def test_the_seeds_workloads_run_ready_with_distinct_pod_ips(
        apis: client.ApiClient, ns: str, cluster: RunningCluster) -> None:
    core = core_api(apis)
    create(apis, ns, _of_kind(manifest("my-nginx.yaml"), "Deployment"))
    create(apis, ns, manifest("web-statefulset.yaml"))
    nginx = ready_pods(core, ns, 3, "run=my-nginx")
    web = ready_pods(core, ns, 2, "app=nginx")

    assert sorted(web) == ["web-0", "web-1"]
    assert all(TEMPLATE_HASH_NAME.match(name) for name in nginx), sorted(nginx)
    pods = {**nginx, **web}
    ips = [p.status.pod_ip for p in pods.values()]
    assert len(set(ips)) == 5, ips
    assert all(ipaddress.ip_address(ip) in POD_NET for ip in ips), ips
    for pod in pods.values():
        assert pod.spec.node_name == cluster.node_name
        assert [i.ip for i in pod.status.pod_ips] == [pod.status.pod_ip]
        (status,) = pod.status.container_statuses
        assert status.ready and status.started and status.restart_count == 0
        assert status.state.running is not None

    apps = apps_api(apis)
    eventually(lambda: apps.read_namespaced_deployment("my-nginx", ns).status.ready_replicas
               == 3)
    eventually(lambda: apps.read_namespaced_stateful_set("web", ns).status.ready_replicas == 2)


# --------------------------------------------------------------------------- identity


def test_a_statefulset_pod_has_its_hostname_fqdn_and_dns_and_keeps_them_when_deleted(
        apis: client.ApiClient, ns: str, cluster: RunningCluster) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("web-statefulset.yaml"))
    before = ready_pods(core, ns, 2, "app=nginx")["web-0"]
    fqdn = f"web-0.nginx.{ns}.svc.cluster.local"

    def identity() -> tuple[str, str]:
        return (pod_exec(cluster, ns, "web-0", "hostname").strip(),
                pod_exec(cluster, ns, "web-0", "hostname", "-f").strip())

    assert identity() == ("web-0", fqdn)
    resolv = pod_exec(cluster, ns, "web-0", "cat", "/etc/resolv.conf")
    assert sorted(resolv.splitlines()) == sorted([
        f"nameserver {CLUSTER_DNS}",
        f"search {ns}.svc.cluster.local svc.cluster.local cluster.local",
        "options ndots:5"]), resolv

    core.delete_namespaced_pod("web-0", ns)

    def replaced() -> Any:
        pod = core.read_namespaced_pod("web-0", ns)
        return pod if pod.metadata.uid != before.metadata.uid else None

    eventually(replaced)
    after = ready_pods(core, ns, 2, "app=nginx")["web-0"]
    assert after.metadata.uid != before.metadata.uid
    assert (after.spec.hostname, after.spec.subdomain) == ("web-0", "nginx")
    assert identity() == ("web-0", fqdn)


# --------------------------------------------------------------------------- readiness


def test_a_readiness_failure_moves_the_pod_out_of_ready_and_back(
        apis: client.ApiClient, ns: str, cluster: RunningCluster) -> None:
    core = core_api(apis)
    ready_dir = Path(tempfile.mkdtemp(prefix="tinykube-e2e-ready-"))
    try:
        (deployment,) = _of_kind(manifest("my-nginx-readiness.yaml",
                                          READY_DIR=str(ready_dir)), "Deployment")
        deployment["spec"]["replicas"] = 1
        create(apis, ns, [deployment])
        (name,) = running_pods(core, ns, 1, "run=my-nginx")
        flag = str(ready_dir / name)

        def readiness() -> tuple[str, str, bool]:
            pod = core.read_namespaced_pod(name, ns)
            (status,) = pod.status.container_statuses
            return condition(pod, "Ready"), condition(pod, "ContainersReady"), status.ready

        unready, ready = ("False", "False", False), ("True", "True", True)
        eventually(becomes(readiness, unready))
        pod_exec(cluster, ns, name, "touch", flag)
        eventually(becomes(readiness, ready))
        pod_exec(cluster, ns, name, "rm", flag)
        eventually(becomes(readiness, unready))
        pod_exec(cluster, ns, name, "touch", flag)
        eventually(becomes(readiness, ready))
        pod = core.read_namespaced_pod(name, ns)
        assert pod.status.phase == "Running"
        assert pod.status.container_statuses[0].restart_count == 0   # readiness never kills
    finally:
        shutil.rmtree(ready_dir, ignore_errors=True)


# --------------------------------------------------------------------------- crashes


def test_a_crashing_container_shows_restarts_and_back_off(
        apis: client.ApiClient, ns: str, kubectl: Kubectl) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("crasher.yaml"))

    def backing_off() -> Any:
        statuses = core.read_namespaced_pod("crasher", ns).status.container_statuses or []
        assert len(statuses) == 1, statuses
        status = statuses[0]
        waiting = status.state.waiting
        return status if (status.restart_count >= 1 and waiting is not None
                          and waiting.reason == "CrashLoopBackOff") else None

    status = eventually(backing_off)
    assert "back-off" in status.state.waiting.message, status.state.waiting.message
    last = status.last_state.terminated
    assert (last.exit_code, last.reason) == (3, "Error")
    assert not status.ready

    (row,) = table(kubectl.run("get", "pods", "-n", ns))
    assert (row["NAME"], row["READY"], row["STATUS"]) == ("crasher", "0/1", "CrashLoopBackOff")
    restarts = re.fullmatch(r"(\d+) \(\S+ ago\)", row["RESTARTS"])
    assert restarts and int(restarts.group(1)) >= 1, row
    assert kubectl.run("logs", "crasher", "-n", ns) == "crashing now\n"
    assert kubectl.run("logs", "crasher", "-n", ns, "--previous") == "crashing now\n"


# --------------------------------------------------------------------------- kubectl


def test_kubectl_get_exec_and_logs_on_the_statefulset_pods(
        apis: client.ApiClient, ns: str, kubectl: Kubectl, cluster: RunningCluster) -> None:
    create(apis, ns, manifest("web-statefulset.yaml"))
    pods = ready_pods(core_api(apis), ns, 2, "app=nginx")

    rows = table(kubectl.run("get", "pods", "-o", "wide", "-n", ns))
    assert list(rows[0]) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                             "NOMINATED NODE", "READINESS GATES"]
    assert [(r["NAME"], r["READY"], r["STATUS"], r["RESTARTS"], r["IP"], r["NODE"])
            for r in rows] == [(name, "1/1", "Running", "0", pods[name].status.pod_ip,
                                cluster.node_name) for name in ("web-0", "web-1")]

    assert kubectl.run("exec", "web-0", "-n", ns, "--", "sh", "-c", "hostname") == "web-0\n"
    assert kubectl.run("exec", "web-1", "-n", ns, "--", "sh", "-c", "hostname") == "web-1\n"
    assert "serving on port(s) 80" in kubectl.run("logs", "web-0", "-n", ns)


# --------------------------------------------------------------------------- service env


def test_env_has_the_variables_of_the_services_that_existed_when_the_pod_started(
        apis: client.ApiClient, ns: str, cluster: RunningCluster) -> None:
    core = core_api(apis)
    (service,) = _of_kind(manifest("my-nginx.yaml"), "Service")
    ip = core.create_namespaced_service(ns, service).spec.cluster_ip
    create(apis, ns, [_sleeper("early")])
    ready_pods(core, ns, 1, "e2e=sleeper")
    late = dict(service, metadata={"name": "my-nginx-nodeport"})
    late_ip = core.create_namespaced_service(ns, late).spec.cluster_ip
    create(apis, ns, [_sleeper("late")])
    ready_pods(core, ns, 2, "e2e=sleeper")

    def env(pod: str) -> dict[str, str]:
        lines = pod_exec(cluster, ns, pod, "env").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    mine = {
        "MY_NGINX_SERVICE_HOST": ip, "MY_NGINX_SERVICE_PORT": "80",
        "MY_NGINX_PORT": f"tcp://{ip}:80", "MY_NGINX_PORT_80_TCP": f"tcp://{ip}:80",
        "MY_NGINX_PORT_80_TCP_PROTO": "tcp", "MY_NGINX_PORT_80_TCP_PORT": "80",
        "MY_NGINX_PORT_80_TCP_ADDR": ip,
        "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    early = env("early")
    assert {k: early.get(k) for k in mine} == mine
    assert not [k for k in early if k.startswith("MY_NGINX_NODEPORT_")], early
    late_env = env("late")
    assert {k: late_env.get(k) for k in mine} == mine
    assert late_env.get("MY_NGINX_NODEPORT_SERVICE_HOST") == late_ip
    assert late_env.get("MY_NGINX_NODEPORT_PORT") == f"tcp://{late_ip}:80"


def _sleeper(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"e2e": "sleeper"}},
            "spec": {"terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "main", "image": "busybox",
                                     "command": ["sleep", "3600"]}]}}
