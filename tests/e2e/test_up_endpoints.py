"""Endpoints and EndpointSlices of the seeds' Services, with real pods from ``tinykube up``.

Each test has a namespace of its own on the session cluster, runs real pods (processes in
network namespaces, readiness from their probes) and watches what the controllers write:

- the seed's headless ``nginx`` Service of the StatefulSet ``web``: addresses with the
  pods' hostnames, node and targetRef, the named port, the slice's labels and owner;
- the seed's my-nginx with a named targetPort and an exec readiness probe on a file per
  pod: a pod moves between ``addresses`` and ``notReadyAddresses`` (and its slice
  conditions follow) as its file comes and goes; the name resolves per pod (8080 for one
  pod; a pod without it is left out of Endpoints and gets a port-less slice, as upstream);
  a Service with ``publishNotReadyAddresses`` lists every pod as ready while ``serving``
  tells the pod's readiness;
- a pod that ignores SIGTERM, deleted with a grace period: while it terminates its slice
  endpoint is ``ready=false, serving=true, terminating=true`` and Endpoints drop it
  (a Service publishing not-ready addresses keeps it, ready, in both);
- the selector-less ``mysql`` Service: the user's Endpoints stay as written, mirrored into
  a slice that follows them (and goes with ``skip-mirror``);
- ``kubectl get ep`` and ``kubectl describe svc`` print the seeds' columns and lines.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import core_api, eventually, gone, namespace
from e2e_pods import (
    ROOT_ONLY,
    EndpointsView,
    Kubectl,
    becomes,
    create,
    described,
    endpoints_of,
    endpoints_view,
    manifest,
    pod_exec,
    ready_pods,
    ready_view,
    running_pods,
    slice_view,
    slices_of,
    table,
)
from kubernetes import client

from tinykube.testing.cluster import RunningCluster

pytestmark = ROOT_ONLY

HTTP = (("", 80),)
ALT = (("", 8080),)
MANAGED_BY = "endpointslice-controller.k8s.io"
MIRRORED_BY = "endpointslicemirroring-controller.k8s.io"
MYSQL_IP = "10.32.1.149"     # the seed's outside MySQL: written down, never contacted
MYSQL_IP_2 = "10.32.1.150"
GRACE = 8                    # seconds the stubborn pod terminates (SIGTERM ignored, then KILL)


@pytest.fixture
def ns(apis: client.ApiClient) -> Iterator[str]:
    with namespace(apis, "up-ep") as name:
        yield name


@pytest.fixture
def ready_dir() -> Iterator[Path]:
    """Where the readiness probes look for their pod's file (pods see the host's files)."""
    path = Path(tempfile.mkdtemp(prefix="tinykube-e2e-ready-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _pairs(ips: Any, port: int) -> frozenset[tuple[str, int]]:
    return frozenset((ip, port) for ip in ips)


# --------------------------------------------------------------------------- the seed's web


def test_the_headless_service_lists_the_statefulset_pods_with_their_identity(
        apis: client.ApiClient, ns: str, cluster: RunningCluster) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("web-statefulset.yaml"))
    pods = ready_pods(core, ns, 2, "app=nginx")
    assert sorted(pods) == ["web-0", "web-1"]
    ips = {name: p.status.pod_ip for name, p in pods.items()}

    eventually(becomes(lambda: endpoints_view(apis, ns, "nginx"),
                       EndpointsView(_pairs(ips.values(), 80))))
    ep = endpoints_of(apis, ns, "nginx")
    assert ep["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    (subset,) = ep["subsets"]
    assert subset["ports"] == [{"name": "web", "port": 80, "protocol": "TCP"}]
    by_ip = {a["ip"]: a for a in subset["addresses"]}
    for name, pod in pods.items():
        address = by_ip[pod.status.pod_ip]
        assert address["hostname"] == name
        assert address["nodeName"] == cluster.node_name
        assert address["targetRef"] == {"kind": "Pod", "name": name, "namespace": ns,
                                        "uid": pod.metadata.uid}

    want = {ip: ready_view((("web", 80),), ready=True) for ip in ips.values()}
    eventually(becomes(lambda: slice_view(apis, ns, "nginx"), want))
    svc = core.read_namespaced_service("nginx", ns)
    (piece,) = slices_of(apis, ns, "nginx")
    assert piece["addressType"] == "IPv4"
    assert piece["ports"] == [{"name": "web", "port": 80, "protocol": "TCP"}]
    labels = piece["metadata"]["labels"]
    assert labels["kubernetes.io/service-name"] == "nginx"
    assert labels["endpointslice.kubernetes.io/managed-by"] == MANAGED_BY
    (owner,) = piece["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == \
        ("Service", "nginx", svc.metadata.uid, True)
    for e in piece["endpoints"]:
        name = e["targetRef"]["name"]
        assert (e["addresses"], e["hostname"], e["nodeName"]) == \
            ([ips[name]], name, cluster.node_name)


# --------------------------------------------------------------------------- readiness


def test_readiness_moves_a_pod_between_addresses_and_not_ready_addresses(
        apis: client.ApiClient, ns: str, cluster: RunningCluster, ready_dir: Path) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("my-nginx-readiness.yaml", READY_DIR=str(ready_dir)))
    create(apis, ns, manifest("my-nginx-others.yaml"))
    pods = running_pods(core, ns, 4, "run=my-nginx")
    ip = {name: p.status.pod_ip for name, p in pods.items()}
    first, second = sorted(n for n in pods if n not in ("my-nginx-alt", "my-nginx-portless"))
    alt, portless = ip["my-nginx-alt"], ip["my-nginx-portless"]
    ready_pods(core, ns, 2, "run=my-nginx,!pod-template-hash")   # alt and portless: no probe

    def expect(ready: set[str]) -> None:
        """Endpoints and slices of both Services when the Deployment's pods ``ready`` are."""
        deployment = {n: ip[n] for n in (first, second)}
        eventually(becomes(lambda: endpoints_view(apis, ns, "my-nginx"), EndpointsView(
            _pairs([ip[n] for n in ready], 80) | {(alt, 8080)},
            _pairs([a for n, a in deployment.items() if n not in ready], 80))))
        eventually(becomes(lambda: slice_view(apis, ns, "my-nginx"), {
            **{a: ready_view(HTTP, ready=n in ready) for n, a in deployment.items()},
            alt: ready_view(ALT, ready=True), portless: ready_view((), ready=True)}))
        # publishNotReadyAddresses: every pod ready; serving is still the pod's readiness
        eventually(becomes(lambda: endpoints_view(apis, ns, "my-nginx-all"), EndpointsView(
            _pairs(deployment.values(), 80) | {(alt, 8080)})))
        eventually(becomes(lambda: slice_view(apis, ns, "my-nginx-all"), {
            **{a: ready_view(HTTP, ready=True, serving=n in ready)
               for n, a in deployment.items()},
            alt: ready_view(ALT, ready=True), portless: ready_view((), ready=True)}))

    expect(ready=set())
    pod_exec(cluster, ns, first, "touch", str(ready_dir / first))
    expect(ready={first})
    pod_exec(cluster, ns, second, "touch", str(ready_dir / second))
    expect(ready={first, second})
    pod_exec(cluster, ns, first, "rm", str(ready_dir / first))
    expect(ready={second})


# --------------------------------------------------------------------------- termination


def test_a_terminating_pod_leaves_endpoints_and_shows_terminating_in_its_slice(
        apis: client.ApiClient, ns: str) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("stubborn.yaml"))
    (pod,) = ready_pods(core, ns, 1, "app=stubborn").values()
    ip = pod.status.pod_ip
    eventually(becomes(lambda: endpoints_view(apis, ns, "stubborn"),
                       EndpointsView(frozenset({(ip, 80)}))))
    for service in ("stubborn", "stubborn-all"):
        eventually(becomes(partial(slice_view, apis, ns, service),
                           {ip: ready_view(HTTP, ready=True)}))

    core.delete_namespaced_pod("stubborn", ns, grace_period_seconds=GRACE)

    def terminating() -> bool:
        """Checked while the pod still exists (it ignores SIGTERM until SIGKILL)."""
        pod = core.read_namespaced_pod("stubborn", ns)
        assert pod.metadata.deletion_timestamp is not None
        assert endpoints_view(apis, ns, "stubborn") == EndpointsView()
        assert endpoints_view(apis, ns, "stubborn-all") == EndpointsView(frozenset({(ip, 80)}))
        return (slice_view(apis, ns, "stubborn") == {
                    ip: ready_view(HTTP, ready=False, serving=True, terminating=True)}
                and slice_view(apis, ns, "stubborn-all") == {
                    ip: ready_view(HTTP, ready=True, serving=True, terminating=True)})

    eventually(terminating, timeout=GRACE)
    eventually(lambda: "got SIGTERM, ignored" in core.read_namespaced_pod_log("stubborn", ns),
               timeout=GRACE)
    eventually(gone(lambda: core.read_namespaced_pod("stubborn", ns)))
    for service in ("stubborn", "stubborn-all"):
        eventually(becomes(partial(slice_view, apis, ns, service), {}))
        assert endpoints_view(apis, ns, service) == EndpointsView()
        (placeholder,) = slices_of(apis, ns, service)   # one empty slice stays, as upstream
        assert not placeholder.get("endpoints") and not placeholder.get("ports"), placeholder


# --------------------------------------------------------------------------- mysql


def test_the_selectorless_service_keeps_the_users_endpoints_and_mirrors_them(
        apis: client.ApiClient, ns: str) -> None:
    core = core_api(apis)
    create(apis, ns, manifest("mysql.yaml"))
    written = core.read_namespaced_endpoints("mysql", ns)

    def mirrored() -> list[str]:
        pieces = slices_of(apis, ns, "mysql")
        assert len(pieces) == 1, pieces
        piece = pieces[0]
        assert piece["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
            MIRRORED_BY
        (owner,) = piece["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"]) == ("Endpoints", "mysql")
        assert piece["ports"] == [{"name": "", "port": 3306, "protocol": "TCP"}]
        assert all(e["conditions"]["ready"] for e in piece["endpoints"])
        return sorted(a for e in piece["endpoints"] for a in e["addresses"])

    eventually(becomes(mirrored, [MYSQL_IP]))
    ep = endpoints_of(apis, ns, "mysql")
    assert ep["metadata"]["resourceVersion"] == written.metadata.resource_version
    assert "labels" not in ep["metadata"], ep["metadata"]
    assert ep["subsets"] == [{"addresses": [{"ip": MYSQL_IP}],
                              "ports": [{"port": 3306, "protocol": "TCP"}]}]
    assert endpoints_view(apis, ns, "mysql") == EndpointsView(frozenset({(MYSQL_IP, 3306)}))

    written.subsets[0].addresses.append(client.V1EndpointAddress(ip=MYSQL_IP_2))
    written = core.replace_namespaced_endpoints("mysql", ns, written)
    eventually(becomes(mirrored, [MYSQL_IP, MYSQL_IP_2]))
    assert endpoints_of(apis, ns, "mysql")["metadata"]["resourceVersion"] == \
        written.metadata.resource_version

    core.patch_namespaced_endpoints("mysql", ns, {"metadata": {"labels": {
        "endpointslice.kubernetes.io/skip-mirror": "true"}}})
    eventually(becomes(lambda: slices_of(apis, ns, "mysql"), []))
    assert endpoints_view(apis, ns, "mysql") == EndpointsView(
        frozenset({(MYSQL_IP, 3306), (MYSQL_IP_2, 3306)}))


# --------------------------------------------------------------------------- kubectl


def test_kubectl_get_ep_and_describe_svc_print_what_the_seeds_print(
        apis: client.ApiClient, ns: str, kubectl_bin: str, kube_home: Path,
        cluster: RunningCluster) -> None:
    kubectl = Kubectl(kubectl_bin, cluster.kubeconfig, kube_home)
    manifests = Path(__file__).parent / "manifests"
    out = kubectl.run("apply", "-n", ns, "-f", str(manifests / "web-statefulset.yaml"),
                      "-f", str(manifests / "mysql.yaml"))
    assert out.splitlines() == ["service/nginx created", "statefulset.apps/web created",
                                "service/mysql created", "endpoints/mysql created"]
    pods = ready_pods(core_api(apis), ns, 2, "app=nginx")
    web = sorted(f"{p.status.pod_ip}:80" for p in pods.values())   # kubectl keeps the order:
    # the controller sorts addresses by IP as text, as the seed's 10.244.140.79,10.244.196.136

    def get_ep() -> list[dict[str, str]]:
        rows = table(kubectl.run("get", "ep", "-n", ns))
        assert list(rows[0]) == ["NAME", "ENDPOINTS", "AGE"]
        return [{k: v for k, v in row.items() if k != "AGE"} for row in rows]

    eventually(becomes(get_ep, [{"NAME": "mysql", "ENDPOINTS": f"{MYSQL_IP}:3306"},
                                {"NAME": "nginx", "ENDPOINTS": ",".join(web)}]))

    nginx = described(kubectl.run("describe", "svc", "nginx", "-n", ns))
    assert set(nginx["Endpoints"].split(",")) == set(web)
    assert {k: v for k, v in nginx.items() if k != "Endpoints"} == {
        "Name": "nginx", "Namespace": ns, "Labels": "app=nginx", "Annotations": "<none>",
        "Selector": "app=nginx", "Type": "ClusterIP", "IP Family Policy": "SingleStack",
        "IP Families": "IPv4", "IP": "None", "IPs": "None", "Port": "web  80/TCP",
        "TargetPort": "80/TCP", "Session Affinity": "None",
        "Internal Traffic Policy": "Cluster", "Events": "<none>"}

    mysql = described(kubectl.run("describe", "svc", "mysql", "-n", ns))
    ip = core_api(apis).read_namespaced_service("mysql", ns).spec.cluster_ip
    assert mysql == {
        "Name": "mysql", "Namespace": ns, "Labels": "<none>", "Annotations": "<none>",
        "Selector": "<none>", "Type": "ClusterIP", "IP Family Policy": "SingleStack",
        "IP Families": "IPv4", "IP": ip, "IPs": ip, "Port": "<unset>  3306/TCP",
        "TargetPort": "3306/TCP", "Endpoints": f"{MYSQL_IP}:3306", "Session Affinity": "None",
        "Internal Traffic Policy": "Cluster", "Events": "<none>"}
