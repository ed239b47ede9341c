"""ClusterDns inside a network namespace of its own, against the real API server: ``dig`` run
in that namespace gets the Kubernetes DNS answers for objects created through the API.

The test makes ``tinykube-t-<hex>`` with a dummy interface holding the node IP 172.18.0.2,
starts the in-process API server, the mirroring controller and ClusterDns (port 53 inside
the namespace), and queries with ``ip netns exec <ns> dig @172.18.0.2``. Names outside the
zone go to a fake upstream on the host's 127.0.0.1, which only the forwarder (living in the
host's namespace) can reach. Everything started is stopped and the namespace deleted, even
when the test fails. Nothing is added to the host's network namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tinykube.api import kinds
from tinykube.client import Client
from tinykube.controllers.mirroring import MirroringController
from tinykube.dns.component import ClusterDns
from tinykube.host import netns, nsexec
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.apiserver import serving
from tinykube.testing.dns import FakeUpstream, endpoint, endpoint_slice
from tinykube.testing.wait import eventually

pytestmark = pytest.mark.root

NODE_IP = "172.18.0.2"
ZONE = "default.svc.cluster.local"


def why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "dig"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@pytest.fixture
async def node_ns() -> AsyncIterator[str]:
    reason = why_not()
    if reason is not None:
        pytest.skip(reason)
    name = f"tinykube-t-{secrets.token_hex(3)}"
    await netns.create(name)
    try:
        await netns.run([netns.loopback_plan(name)])
        await netns.add_local_address(name, "tk-node", f"{NODE_IP}/24")
        yield name
    finally:
        await netns.delete(name)


async def dig(ns: str, *args: str) -> list[str]:
    """``dig +short`` inside ``ns`` against the node IP: the answer lines, sorted."""
    proc = await asyncio.create_subprocess_exec(
        "ip", "netns", "exec", ns, "dig", "+short", "+time=2", "+tries=1", f"@{NODE_IP}", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, f"dig {args}: {err.decode()}{out.decode()}"
    return sorted(line for line in out.decode().splitlines() if line)


async def answers_become(ns: str, want: list[str], *args: str) -> None:
    async def match() -> bool:
        return await dig(ns, *args) == want
    await eventually(match, within=10, interval=0.05, what=f"dig {' '.join(args)} == {want}")


def metrics_text(ns: str) -> str:
    """GET the metrics port from a thread inside ``ns``."""
    def get() -> str:
        with urllib.request.urlopen(f"http://{NODE_IP}:9153/metrics", timeout=5) as r:
            return str(r.read().decode())
    return nsexec.call_in_netns(netns.path(ns), get)


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in reversed(tasks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def create_objects(client: Client) -> str:
    """A ClusterIP Service and a headless one with a slice (two ready, one unready)."""
    svc = await client.create(kinds.SERVICE, {
        "metadata": {"name": "my-svc", "namespace": "default"},
        "spec": {"ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}})
    await client.create(kinds.SERVICE, {
        "metadata": {"name": "my-headless", "namespace": "default"},
        "spec": {"clusterIP": "None", "ports": [{"name": "http", "port": 80}]}})
    await client.create(kinds.ENDPOINT_SLICE, endpoint_slice(
        "my-headless", "default", endpoints=[
            endpoint("10.244.0.11", hostname="web-0"), endpoint("10.244.0.12"),
            endpoint("10.244.0.13", ready=False)],
        ports=[("http", 80, "TCP")]))
    return str(svc["spec"]["clusterIP"])


async def test_cluster_dns_in_a_namespace(node_ns: str, tmp_path: Path) -> None:
    upstream = FakeUpstream({("db.example.com", "A"): ["192.0.2.10"]})
    await upstream.start()
    tasks: list[asyncio.Task[None]] = []
    try:
        async with serving(tmp_path) as api:
            client = api.client()
            factory = InformerFactory(client)
            cluster_dns = ClusterDns(client, factory, netns=node_ns, listen_ip=NODE_IP,
                                     upstreams=[upstream.address], node_name="node-t")
            tasks.append(asyncio.create_task(factory.run()))
            tasks.append(asyncio.create_task(MirroringController(client, informers=factory).run()))
            dns_task = asyncio.create_task(cluster_dns.run())
            tasks.append(dns_task)
            try:
                await asyncio.wait_for(cluster_dns.published.wait(), 15)
                await check(node_ns, client)
                # Stopping takes this server out of the Endpoints.
                tasks.remove(dns_task)
                await _stop([dns_task])
                ep = await client.get(kinds.ENDPOINTS, "kube-dns", "kube-system")
                assert not ep.get("subsets")
            finally:
                await _stop(tasks)
    finally:
        await upstream.close()
    assert ("db.example.com", "A", "udp") in upstream.queries


async def check(ns: str, client: Client) -> None:
    cluster_ip = await create_objects(client)
    await answers_become(ns, [cluster_ip], f"my-svc.{ZONE}")
    assert await dig(ns, "+tcp", f"my-svc.{ZONE}") == [cluster_ip]
    assert await dig(ns, "SRV", f"_http._tcp.my-svc.{ZONE}") == [f"0 100 80 my-svc.{ZONE}."]
    assert await dig(ns, "-x", cluster_ip) == [f"my-svc.{ZONE}."]
    await answers_become(ns, ["10.244.0.11", "10.244.0.12"], f"my-headless.{ZONE}")
    assert await dig(ns, f"web-0.my-headless.{ZONE}") == ["10.244.0.11"]
    assert await dig(ns, "-x", "10.244.0.11") == [f"web-0.my-headless.{ZONE}."]
    srv = await dig(ns, "SRV", f"_http._tcp.my-headless.{ZONE}")
    assert len(srv) == 2 and any(line.endswith(f"web-0.my-headless.{ZONE}.") for line in srv)
    assert await dig(ns, "db.example.com") == ["192.0.2.10"]

    # An endpoint turning unready leaves the headless answer.
    sl = (await client.list(kinds.ENDPOINT_SLICE, "default",
                            label_selector="kubernetes.io/service-name=my-headless"))[0][0]
    sl["endpoints"][1]["conditions"] = {"ready": False}
    await client.update(kinds.ENDPOINT_SLICE, sl)
    await answers_become(ns, ["10.244.0.11"], f"my-headless.{ZONE}")

    # kube-dns: the Service, its Endpoints on the node IP, the mirrored slice, DNS names.
    svc = await client.get(kinds.SERVICE, "kube-dns", "kube-system")
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert "selector" not in svc["spec"]
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    ep = await client.get(kinds.ENDPOINTS, "kube-dns", "kube-system")
    assert ep["subsets"] == [{"addresses": [{"ip": NODE_IP, "nodeName": "node-t"}],
                              "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                        {"name": "metrics", "port": 9153, "protocol": "TCP"}]}]

    async def mirrored() -> bool:
        slices, _ = await client.list(kinds.ENDPOINT_SLICE, "kube-system",
                                      label_selector="kubernetes.io/service-name=kube-dns")
        return any(e["addresses"] == [NODE_IP] for s in slices for e in s.get("endpoints", []))
    await eventually(mirrored, within=10, interval=0.05, what="kube-dns EndpointSlice")
    await answers_become(ns, ["10.96.0.10"], "kube-dns.kube-system.svc.cluster.local")
    text = await asyncio.to_thread(metrics_text, ns)
    assert 'tinykube_dns_queries_total{type="SRV"}' in text
