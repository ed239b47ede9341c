"""Cluster DNS through ``tinykube up`` with real pods: the seeds' nslookup and dig answers.

On the session cluster (node part on, DNS at 10.96.0.10 forwarding to the fixture's fake
upstream on loopback), from a pod (the host's BIND ``nslookup``/``dig`` in the pod's
namespaces, with its ``/etc/resolv.conf``: ndots:5 and the namespace's search list):

- the seeds' Services (seeds/000, 001, 004): a ClusterIP Service is its ClusterIP, a headless
  one every ready pod IP and only those, an ExternalName the CNAME then the target's
  ClusterIP; ``dig SRV`` names the Service (ClusterIP) or each endpoint (headless) with
  the right port and CoreDNS's weights (R12, R13, R19); ``dig -x`` of the ClusterIP is
  the Service (R23); ``dig @10.96.0.10`` of an outside name is forwarded;
- the seed's StatefulSet (seeds/002): ``web-0.nginx`` is web-0's IP, and its new IP after
  the pod is deleted and recreated; SRV names ``web-0``/``web-1`` (R19, R21);
- a pod made unready by its exec readiness probe leaves the headless answer and comes
  back once ready (R15, R16).

Every test works in a namespace of its own (the search list is namespace-relative) and
deletes it. Root only: without root there are no pods.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_dns import (
    create,
    dashed,
    dig,
    in_pod,
    manifest,
    nslookup,
    service_fqdn,
    wait_endpoints,
    wait_pods,
)
from e2e_helpers import core_api, eventually, is_ready, live_pods, namespace
from kubernetes import client

from tinykube.testing.cluster import OUTSIDE, RunningCluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="pods and the cluster DNS need root: "
                                                 "network namespaces"),
]

KUBE_DNS = "10.96.0.10"


@dataclass(frozen=True)
class Services:
    ns: str
    pod_ips: frozenset[str]
    cluster_ip: str
    client: str


@pytest.fixture(scope="module")
def services(apis: client.ApiClient) -> Iterator[Services]:
    """seeds/000, 001, 004 in one namespace: nginx-deployment (3 pods), the ClusterIP
    Service nginx-svc, the headless my-nginx-headless-svc, the ExternalName nginx-ro and
    the dig pod."""
    core = core_api(apis)
    with namespace(apis, "dns-svc") as ns:
        for obj in manifest("dns-services.yaml", NAMESPACE=ns):
            create(apis, ns, obj)
        pods = wait_pods(core, ns, "app=nginx", 3)
        wait_pods(core, ns, "", 4)
        ips = {p.status.pod_ip for p in pods}
        for name in ("nginx-svc", "my-nginx-headless-svc"):
            wait_endpoints(apis, ns, name, ips)
        svc = core.read_namespaced_service("nginx-svc", ns)
        yield Services(ns, frozenset(ips), svc.spec.cluster_ip, "dig")


def test_nslookup_of_a_cluster_ip_service_is_its_cluster_ip(
        services: Services, cluster: RunningCluster) -> None:
    out = nslookup(cluster, services.ns, services.client, "nginx-svc")
    assert out.answers == ((service_fqdn("nginx-svc", services.ns), services.cluster_ip),), \
        out.text
    out = nslookup(cluster, services.ns, services.client, "kubernetes.default")  # seeds/004
    assert out.answers == ((service_fqdn("kubernetes", "default"), "10.96.0.1"),), out.text


def test_nslookup_of_a_headless_service_is_every_ready_pod_ip(
        services: Services, cluster: RunningCluster) -> None:
    out = nslookup(cluster, services.ns, services.client, "my-nginx-headless-svc")
    assert sorted(out.addresses) == sorted(services.pod_ips), out.text
    assert out.names == {service_fqdn("my-nginx-headless-svc", services.ns)}, out.text


def test_nslookup_of_an_external_name_is_the_cname_then_the_targets_cluster_ip(
        services: Services, cluster: RunningCluster) -> None:
    target = service_fqdn("nginx-svc", services.ns)
    out = nslookup(cluster, services.ns, services.client, "nginx-ro")
    assert out.cnames == ((service_fqdn("nginx-ro", services.ns), target + "."),), out.text
    assert out.answers == ((target, services.cluster_ip),), out.text


def test_dig_srv_of_a_cluster_ip_service_names_the_service(
        services: Services, cluster: RunningCluster) -> None:
    fqdn = service_fqdn("nginx-svc", services.ns)
    assert dig(cluster, services.ns, services.client, "SRV", f"_http._tcp.{fqdn}") == \
        [f"0 100 80 {fqdn}."]


def test_dig_srv_of_a_headless_service_names_every_endpoint(
        services: Services, cluster: RunningCluster) -> None:
    fqdn = service_fqdn("my-nginx-headless-svc", services.ns)
    got = dig(cluster, services.ns, services.client, "SRV", f"_httpport._tcp.{fqdn}")
    assert got == sorted(f"0 33 80 {dashed(ip)}.{fqdn}." for ip in services.pod_ips)


def test_dig_x_of_the_cluster_ip_is_the_service_name(
        services: Services, cluster: RunningCluster) -> None:
    assert dig(cluster, services.ns, services.client, "-x", services.cluster_ip) == \
        [service_fqdn("nginx-svc", services.ns) + "."]


def test_dig_at_kube_dns_forwards_an_outside_name(
        services: Services, cluster: RunningCluster) -> None:
    ran = in_pod(cluster, services.ns, services.client,
                 "dig", "+time=2", "+tries=2", f"@{KUBE_DNS}", OUTSIDE[0])
    assert ran.code == 0 and "status: NOERROR" in ran.out, ran.out + ran.err
    assert f"SERVER: {KUBE_DNS}#53" in ran.out, ran.out
    answer = ran.out.split(";; ANSWER SECTION:", 1)[-1].split("\n\n", 1)[0]
    assert answer.split()[-1] == OUTSIDE[1], ran.out  # only the fake upstream knows it


def test_web_0_nginx_follows_the_statefulset_pod(apis: client.ApiClient,
                                                  cluster: RunningCluster) -> None:
    core = core_api(apis)
    with namespace(apis, "dns-sts") as ns:
        for obj in manifest("dns-statefulset.yaml"):
            create(apis, ns, obj)
        web = {p.metadata.name: p for p in wait_pods(core, ns, "app=nginx", 2)}
        wait_pods(core, ns, "", 3)
        wait_endpoints(apis, ns, "nginx", {p.status.pod_ip for p in web.values()})
        for name in ("web-0", "web-1"):
            out = nslookup(cluster, ns, "dns-test", f"{name}.nginx")
            assert out.answers == ((f"{name}.nginx.{ns}.svc.cluster.local",
                                    web[name].status.pod_ip),), out.text
        fqdn = service_fqdn("nginx", ns)
        assert dig(cluster, ns, "dns-test", "SRV", f"_web._tcp.{fqdn}") == \
            [f"0 50 80 web-0.{fqdn}.", f"0 50 80 web-1.{fqdn}."]

        old = web["web-0"]
        core.delete_namespaced_pod("web-0", ns)

        def recreated() -> Any:
            pod = core.read_namespaced_pod("web-0", ns)
            return pod if pod.metadata.uid != old.metadata.uid and is_ready(pod) else None

        new_ip = eventually(recreated, timeout=60).status.pod_ip
        assert new_ip != old.status.pod_ip, "the agent reused the pod IP: the test could " \
            "not tell an updated answer from a stale one"

        def follows() -> bool:
            return nslookup(cluster, ns, "dns-test", "web-0.nginx").addresses == [new_ip]

        eventually(follows, timeout=20, every=0.2)


def _headless(cluster: RunningCluster, ns: str) -> list[str]:
    return sorted(nslookup(cluster, ns, "bb", "web-headless").addresses)


def test_an_unready_pod_leaves_the_headless_answer(apis: client.ApiClient,
                                                   cluster: RunningCluster,
                                                   tmp_path: Path) -> None:
    core = core_api(apis)
    flags = tmp_path / "readiness"
    flags.mkdir()
    with namespace(apis, "dns-ready") as ns:
        for obj in manifest("dns-readiness.yaml", FLAG_DIR=str(flags)):
            create(apis, ns, obj)
        pods = wait_pods(core, ns, "app=web", 3)
        wait_pods(core, ns, "", 4)
        ips = sorted(p.status.pod_ip for p in pods)
        eventually(lambda: _headless(cluster, ns) == ips, timeout=20, every=0.2)

        victim = pods[0]
        flag = flags / f"unready-{victim.metadata.name}"
        flag.touch()
        others = sorted(ip for ip in ips if ip != victim.status.pod_ip)

        def unready() -> bool:
            pod = core.read_namespaced_pod(victim.metadata.name, ns)
            return not is_ready(pod) and pod.status.phase == "Running"

        eventually(unready, timeout=30)
        eventually(lambda: _headless(cluster, ns) == others, timeout=20, every=0.2)
        fqdn = service_fqdn("web-headless", ns)
        assert dig(cluster, ns, "bb", "SRV", f"_http._tcp.{fqdn}") == \
            sorted(f"0 50 80 {dashed(ip)}.{fqdn}." for ip in others)
        assert len(live_pods(core, ns, "app=web")) == 3  # still running, only not ready

        flag.unlink()
        eventually(lambda: _headless(cluster, ns) == ips, timeout=30, every=0.2)
