"""The whole product from ``tinykube up``: the seed's nginx, reached the ways a user reaches it.

On the session cluster (node part on, DNS forwarding to the fixture's fake resolver): the
seed's my-nginx Deployment (3 replicas) and its NodePort Service are applied with the
official client; the pods run as processes with distinct 10.244.0.x IPs, the Endpoints and
EndpointSlices list them, the NodePort answers on 127.0.0.1 from the host with the nginx
page and the answering pod's name, and 300 new connections reach every pod. From a busybox
pod (through the API's exec, with ``tinykube exec``) ``nslookup my-nginx`` gives the
ClusterIP, an outside name is forwarded, and the API answers through the ``kubernetes``
Service with the mounted token and CA; ``tinykube shell`` runs commands in the node with
the cluster DNS. Root only: without root there are no pods to run.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from e2e_helpers import apps_api, core_api, eventually
from e2e_samples import unique
from kubernetes import client

from tinykube.testing.cluster import OUTSIDE, RunningCluster, tinykube

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="the node part (pods, dataplane, DNS) needs "
                                                 "root: network namespaces"),
]

MANIFEST = Path(__file__).parent / "manifests" / "my-nginx.yaml"
POD_NET = ipaddress.ip_network("10.244.0.0/24")
CONNECTIONS = 300
T = TypeVar("T")


@dataclass(frozen=True)
class Nginx:
    ns: str
    pods: dict[str, str]  # name -> pod IP
    cluster_ip: str
    node_port: int
    busybox: str


def _ready(pod: Any) -> bool:
    conds = pod.status.conditions or []
    return pod.status.phase == "Running" and any(
        c.type == "Ready" and c.status == "True" for c in conds)


def _running_pods(core: Any, ns: str, selector: str, count: int) -> list[Any]:
    pods = core.list_namespaced_pod(ns, label_selector=selector).items
    live = [p for p in pods if p.metadata.deletion_timestamp is None]
    if len(live) == count and all(_ready(p) for p in live):
        return live
    return []


@pytest.fixture(scope="module")
def nginx(apis: client.ApiClient) -> Iterator[Nginx]:
    core, apps = core_api(apis), apps_api(apis)
    ns = unique("up-node")
    core.create_namespace({"metadata": {"name": ns}})
    try:
        deployment, service = yaml.safe_load_all(MANIFEST.read_text())
        apps.create_namespaced_deployment(ns, deployment)
        svc = core.create_namespaced_service(ns, service)
        core.create_namespaced_pod(ns, {
            "metadata": {"name": "bb"},
            "spec": {"containers": [{"name": "bb", "image": "busybox",
                                     "command": ["sleep", "3600"]}],
                     "terminationGracePeriodSeconds": 1}})
        pods = eventually(lambda: _running_pods(core, ns, "run=my-nginx", 3), timeout=60)
        eventually(lambda: _running_pods(core, ns, "", 4), timeout=60)
        yield Nginx(ns, {p.metadata.name: p.status.pod_ip for p in pods},
                    svc.spec.cluster_ip, svc.spec.ports[0].node_port, "bb")
    finally:
        with contextlib.suppress(client.ApiException):
            core.delete_namespace(ns)


def _tinykube(cluster: RunningCluster, *args: str) -> str:
    proc = subprocess.run(tinykube(*args), capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, f"tinykube {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _exec(cluster: RunningCluster, nginx: Nginx, *command: str) -> str:
    """``tinykube exec`` in the busybox pod: the API's pods/exec, served by the agent."""
    return _tinykube(cluster, "exec", "--kubeconfig", str(cluster.kubeconfig), "-n", nginx.ns,
                     nginx.busybox, "--", *command)


def _addresses(nslookup: str) -> list[str]:
    """The answer's addresses (after the ``Name:`` line; not the server's)."""
    answer = nslookup.split("Name:", 1)[-1] if "Name:" in nslookup else ""
    return [line.split()[-1] for line in answer.splitlines() if line.startswith("Address")]


def _get(port: int) -> tuple[int, str, bytes]:
    """One request on a new connection to the host's loopback."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("X-Pod-Name") or "", resp.read()
    finally:
        conn.close()


def _answered(request: Callable[[], T]) -> Callable[[], T | None]:
    """For ``eventually``: None while nothing listens yet (a listener may come a sync later)."""
    def attempt() -> T | None:
        try:
            return request()
        except OSError:
            return None
    return attempt


def test_pods_run_with_distinct_pod_ips(nginx: Nginx, cluster: RunningCluster) -> None:
    ips = list(nginx.pods.values())
    assert len(set(ips)) == 3, nginx.pods
    assert all(ipaddress.ip_address(ip) in POD_NET for ip in ips), ips


def test_endpoints_and_slices_list_the_pods(nginx: Nginx, apis: client.ApiClient) -> None:
    core, discovery = core_api(apis), client.DiscoveryV1Api(apis)

    def endpoints() -> bool:
        ep = core.read_namespaced_endpoints("my-nginx", nginx.ns)
        got = {a.ip for s in ep.subsets or [] for a in s.addresses or []}
        return got == set(nginx.pods.values())

    def slices() -> bool:
        items = discovery.list_namespaced_endpoint_slice(
            nginx.ns, label_selector="kubernetes.io/service-name=my-nginx").items
        ready = {a for s in items for e in s.endpoints or [] if e.conditions.ready
                 for a in e.addresses}
        return ready == set(nginx.pods.values())

    eventually(endpoints)
    eventually(slices)


def test_nodeport_answers_on_loopback_with_the_nginx_page(nginx: Nginx) -> None:
    status, pod, body = eventually(_answered(lambda: _get(nginx.node_port)), timeout=20)
    assert status == 200
    assert b"Welcome to nginx!" in body
    assert pod in nginx.pods


def test_new_connections_through_the_nodeport_reach_every_pod(nginx: Nginx) -> None:
    seen = Counter(_get(nginx.node_port)[1] for _ in range(CONNECTIONS))
    assert set(seen) == set(nginx.pods), seen
    assert min(seen.values()) >= CONNECTIONS * 0.15, seen


def test_nslookup_in_a_pod_gives_the_cluster_ip(nginx: Nginx, cluster: RunningCluster) -> None:
    out = _exec(cluster, nginx, "cat", "/etc/resolv.conf")
    assert "nameserver 10.96.0.10" in out and f"search {nginx.ns}.svc.cluster.local" in out
    out = _exec(cluster, nginx, "nslookup", "my-nginx")
    assert f"my-nginx.{nginx.ns}.svc.cluster.local" in out
    assert _addresses(out) == [nginx.cluster_ip], out


def test_outside_names_are_forwarded_to_the_upstream(nginx: Nginx,
                                                     cluster: RunningCluster) -> None:
    out = _exec(cluster, nginx, "nslookup", OUTSIDE[0] + ".")
    assert _addresses(out) == [OUTSIDE[1]], out


def test_a_pod_reaches_the_api_through_the_kubernetes_service(
        nginx: Nginx, cluster: RunningCluster) -> None:
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    out = _exec(cluster, nginx, "sh", "-c",
                f'wget -qO- --ca-certificate={sa}/ca.crt --header "Authorization: Bearer '
                f'$(cat {sa}/token)" https://kubernetes.default.svc/version')
    assert '"gitVersion"' in out, out


def test_a_pod_reaches_the_service_by_name(nginx: Nginx, cluster: RunningCluster) -> None:
    out = _exec(cluster, nginx, "wget", "-qO-", "http://my-nginx")
    assert "Welcome to nginx!" in out


def test_shell_runs_in_the_node_with_cluster_dns(nginx: Nginx, cluster: RunningCluster) -> None:
    d = str(cluster.data_dir)
    assert _tinykube(cluster, "shell", "--data-dir", d, "--", "hostname").strip() == \
        cluster.node_name
    out = _tinykube(cluster, "shell", "--data-dir", d, "--node", cluster.node_name, "--",
                    "nslookup", f"my-nginx.{nginx.ns}")
    assert _addresses(out) == [nginx.cluster_ip], out


def test_kube_dns_and_the_node_are_published(apis: client.ApiClient,
                                             cluster: RunningCluster) -> None:
    core = core_api(apis)
    dns = core.read_namespaced_service("kube-dns", "kube-system")
    assert dns.spec.cluster_ip == "10.96.0.10"
    node = core.read_node(cluster.node_name)
    assert node.spec.pod_cidr == "10.244.0.0/24"
    assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
    kubernetes = core.read_namespaced_endpoints("kubernetes", "default")
    assert [a.ip for a in kubernetes.subsets[0].addresses] == ["172.18.0.2"]


def test_up_said_which_components_started(cluster: RunningCluster) -> None:
    log = (cluster.data_dir / "tinykube.log").read_text()
    for line in (f"✓ node network {cluster.node_name}", "✓ node agent", "✓ proxy (",
                 "✓ dns 10.96.0.10"):
        assert line in log, log


def test_a_loadbalancer_ip_answers_on_the_hosts_loopback(nginx: Nginx,
                                                         apis: client.ApiClient) -> None:
    core = core_api(apis)
    core.create_namespaced_service(nginx.ns, {
        "metadata": {"name": "my-nginx-lb"},
        "spec": {"type": "LoadBalancer", "selector": {"run": "my-nginx"},
                 "ports": [{"port": 8080, "targetPort": 80}]}})

    def ingress_ip() -> str:
        lb = core.read_namespaced_service("my-nginx-lb", nginx.ns).status.load_balancer
        return str(lb.ingress[0].ip) if lb and lb.ingress else ""

    ip = eventually(ingress_ip)
    assert ipaddress.ip_address(ip).is_loopback, ip

    def get() -> tuple[int, str]:
        conn = http.client.HTTPConnection(ip, 8080, timeout=10)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            resp.read()
            return resp.status, resp.getheader("X-Pod-Name") or ""
        finally:
            conn.close()

    status, pod = eventually(_answered(get), timeout=20)
    assert status == 200 and pod in nginx.pods
