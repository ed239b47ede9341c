"""The seed's gRPC load balancing (seeds/003) through ``tinykube up`` with real pods.

Three ``techdozo/grpc-lb-server`` pods (the stand-in: answers its pod name on 8001, logs
``served call from <ip>:<port>``) behind the seed's grpc-server-service, once as the
ClusterIP Service (80 -> 8001) and once made headless, each in a namespace of its own. A
``techdozo/grpc-lb-client`` pod (grpcio, target ``dns:///$SERVER_HOST``, ``round_robin``,
one channel; CALLS=60, ONESHOT=1) resolves the name through the cluster DNS from its
namespace's search list:

- through the headless Service (``dns:///grpc-server-service:8001``) it gets every pod IP
  and spreads its calls over all three pods (its log says so, and so do the servers' logs
  of the calls from its IP);
- through the ClusterIP Service it gets the one VIP, keeps one HTTP/2 connection, and
  kube-proxy's per-connection choice sends every call to one pod.

Root only: without root there are no pods.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from e2e_dns import (
    call_counts,
    create,
    logs,
    manifest,
    served_from,
    wait_endpoints,
    wait_finished,
    wait_pods,
)
from e2e_helpers import core_api, eventually, namespace
from kubernetes import client

from tinykube.testing.cluster import RunningCluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="pods and the cluster DNS need root: "
                                                 "network namespaces"),
]

CALLS = 60
SERVICE = "grpc-server-service"


@dataclass(frozen=True)
class Servers:
    ns: str
    pods: tuple[str, ...]


@contextlib.contextmanager
def _servers(apis: client.ApiClient, *, headless: bool) -> Iterator[Servers]:
    """A namespace with the seed's 3 server pods and grpc-server-service, as the seed
    first writes it (ClusterIP) or as it ends up (headless), once its slices list them."""
    core = core_api(apis)
    deployment, service = manifest("grpc-lb.yaml")
    if headless:
        [service] = manifest("grpc-lb-headless.yaml")
    with namespace(apis, "grpc-lb") as ns:
        for obj in (deployment, service):
            create(apis, ns, obj)
        pods = wait_pods(core, ns, "app=grpc-server", 3)
        wait_endpoints(apis, ns, SERVICE, {p.status.pod_ip for p in pods})
        yield Servers(ns, tuple(p.metadata.name for p in pods))


def _run_client(apis: client.ApiClient, cluster: RunningCluster, ns: str, name: str,
                server_host: str) -> tuple[Counter[str], str]:
    """Run one client pod to completion: its calls per pod and its pod IP."""
    core = core_api(apis)
    env = {"SERVER_HOST": server_host, "CALLS": str(CALLS), "ONESHOT": "1"}
    create(apis, ns, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                 "containers": [{"name": "grpc-client",
                                 "image": "techdozo/grpc-lb-client:1.0.0",
                                 "env": [{"name": k, "value": v} for k, v in env.items()]}]}})
    pod = wait_finished(core, ns, name)
    log = logs(cluster, ns, name)
    assert pod.status.phase == "Succeeded", log
    per_call, summary = call_counts(log)
    assert per_call == summary, log
    assert sum(summary.values()) == CALLS, log
    return summary, str(pod.status.pod_ip)


def _served(cluster: RunningCluster, servers: Servers, client_ip: str) -> Counter[str]:
    """Calls from ``client_ip`` per server pod, as the servers logged them."""
    return Counter({pod: n for pod in servers.pods
                    if (n := served_from(logs(cluster, servers.ns, pod), client_ip))})


def test_a_headless_service_spreads_calls_over_every_server_pod(
        apis: client.ApiClient, cluster: RunningCluster) -> None:
    with _servers(apis, headless=True) as servers:
        calls, client_ip = _run_client(apis, cluster, servers.ns, "grpc-client",
                                       f"{SERVICE}:8001")
        assert set(calls) == set(servers.pods), calls
        eventually(lambda: _served(cluster, servers, client_ip) == calls, timeout=10)


def test_a_cluster_ip_service_sends_every_call_to_one_pod(
        apis: client.ApiClient, cluster: RunningCluster) -> None:
    with _servers(apis, headless=False) as servers:
        calls, client_ip = _run_client(apis, cluster, servers.ns, "grpc-client",
                                       f"{SERVICE}:80")
        assert len(calls) == 1 and set(calls) <= set(servers.pods), calls
        eventually(lambda: _served(cluster, servers, client_ip) == calls, timeout=10)
