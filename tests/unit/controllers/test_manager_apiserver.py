"""The seeds' manifests against the real API server with every controller running.

``ControllerManager`` runs in-process against ``testing.apiserver.serving``; a
``FakeNode`` stands in for the node agent (a Ready node, pods Running with IPs) and tests
flip readiness and finish deletions by hand, so each step of a pod's life is visible in
Endpoints and EndpointSlices.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds, meta
from tinykube.controllers.manager import ControllerManager
from tinykube.errors import NotFound
from tinykube.testing import fakenode
from tinykube.testing.wait import eventually

apiserver = pytest.importorskip("tinykube.testing.apiserver")

SLICE_SERVICE = "kubernetes.io/service-name"
WITHIN = 15.0

MY_NGINX = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "my-nginx"},
            "spec": {"selector": {"matchLabels": {"run": "my-nginx"}}, "replicas": 2,
                     "template": {"metadata": {"labels": {"run": "my-nginx"}}, "spec": {
                         "containers": [{"name": "my-nginx", "image": "nginx",
                                         "imagePullPolicy": "IfNotPresent",
                                         "ports": [{"containerPort": 80}]}]}}}}
MY_NGINX_SVC = {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx"}},
                "spec": {"type": "ClusterIP", "selector": {"run": "my-nginx"},
                         "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}}
NGINX_HEADLESS = {"apiVersion": "v1", "kind": "Service",
                  "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
                  "spec": {"ports": [{"port": 80, "name": "web"}], "clusterIP": "None",
                           "selector": {"app": "nginx"}}}
WEB = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
       "spec": {"serviceName": "nginx", "replicas": 2,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {
                    "containers": [{"name": "nginx", "image": "nginx:1.9.1",
                                    "ports": [{"containerPort": 80, "name": "web"}]}]}}}}
MYSQL_SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mysql"},
             "spec": {"type": "ClusterIP", "ports": [{"port": 3306}]}}
MYSQL_EP = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "mysql"},
            "subsets": [{"addresses": [{"ip": "10.32.1.149"}], "ports": [{"port": 3306}]}]}


@pytest.fixture
async def cluster(tmp_path) -> AsyncIterator:
    async with apiserver.serving(tmp_path) as s:
        c = s.client()
        manager = ControllerManager(c, lb_pool="172.18.255.200-172.18.255.200")
        node = fakenode.FakeNode(s.client(), "node-1", auto_ready=False,
                                 finish_deletions=False)
        tasks = [asyncio.create_task(manager.run()), asyncio.create_task(node.run())]
        try:
            await eventually(lambda: manager.has_synced, within=WITHIN)
            yield c
        finally:  # stop them before the server and the clients go
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def get(c, kind, name: str) -> dict | None:
    try:
        return await c.get(kind, name, "default")
    except NotFound:
        return None


async def pods(c, selector: str) -> list[dict]:
    items, _ = await c.list(kinds.POD, "default", label_selector=selector)
    return sorted(items, key=meta.name)


async def subsets(c, name: str) -> list[dict] | None:
    ep = await get(c, kinds.ENDPOINTS, name)
    return None if ep is None else ep.get("subsets") or []


async def slices(c, name: str) -> list[dict]:
    items, _ = await c.list(kinds.ENDPOINT_SLICE, "default",
                            label_selector=f"{SLICE_SERVICE}={name}")
    return items


async def conditions(c, name: str) -> dict[str, dict]:
    return {e["targetRef"]["name"]: e["conditions"] for s in await slices(c, name)
            for e in s.get("endpoints") or []}


def addresses(subset_list: list[dict] | None, field: str = "addresses") -> list[str]:
    return sorted(a["ip"] for s in subset_list or [] for a in s.get(field) or [])


async def event_messages(c, reason: str) -> list[str]:
    items, _ = await c.list(kinds.EVENT, "default")
    return [e["message"] for e in items if e.get("reason") == reason]


async def test_nginx_deployment_endpoints_follow_pod_readiness(cluster):
    c = cluster
    await c.create(kinds.SERVICE, MY_NGINX_SVC)
    await c.create(kinds.DEPLOYMENT, MY_NGINX)

    async def running_pods() -> list[dict]:
        return [p for p in await pods(c, "run=my-nginx")
                if (p.get("status") or {}).get("podIP") and not meta.is_terminating(p)]

    async def two_running() -> bool:
        return len(await running_pods()) == 2

    await eventually(two_running, within=WITHIN)
    ps = await running_pods()
    rs_name = meta.controller_of(ps[0])["name"]
    pod_hash = ps[0]["metadata"]["labels"]["pod-template-hash"]
    assert rs_name == f"my-nginx-{pod_hash}"
    assert all(meta.name(p).startswith(f"{rs_name}-") and len(meta.name(p)) == len(rs_name) + 6
               for p in ps)
    assert {p["spec"]["nodeName"] for p in ps} == {"node-1"}
    ips = sorted(p["status"]["podIP"] for p in ps)

    async def not_ready_listed() -> bool:
        return addresses(await subsets(c, "my-nginx"), "notReadyAddresses") == ips

    await eventually(not_ready_listed, within=WITHIN)
    assert {k: v["ready"] for k, v in (await conditions(c, "my-nginx")).items()} == {
        meta.name(p): False for p in ps}

    for p in ps:
        await fakenode.set_ready(c, meta.name(p), True)

    async def ready_listed() -> bool:
        return addresses(await subsets(c, "my-nginx")) == ips

    await eventually(ready_listed, within=WITHIN)
    ep = await get(c, kinds.ENDPOINTS, "my-nginx")
    assert ep["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert ep["metadata"]["labels"] == {"run": "my-nginx",
                                        "endpoints.kubernetes.io/managed-by":
                                            "endpoint-controller"}
    (eps,) = await slices(c, "my-nginx")
    assert eps["addressType"] == "IPv4"
    assert eps["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    assert meta.controller_of(eps)["kind"] == "Service"
    assert eps["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    assert all(e["nodeName"] == "node-1" for e in eps["endpoints"])

    async def rolled_out() -> bool:
        d = await c.get(kinds.DEPLOYMENT, "my-nginx", "default")
        st = d.get("status") or {}
        reasons = {x["type"]: x["reason"] for x in st.get("conditions") or []}
        return (st.get("observedGeneration") == d["metadata"]["generation"]
                and st.get("updatedReplicas") == st.get("availableReplicas") == 2
                and reasons.get("Progressing") == "NewReplicaSetAvailable"
                and reasons.get("Available") == "MinimumReplicasAvailable")

    await eventually(rolled_out, within=WITHIN)
    assert f"Scaled up replica set {rs_name} from 0 to 2" in await event_messages(
        c, "ScalingReplicaSet")

    # a pod turning unready moves to notReadyAddresses and is not ready in its slice
    flaky = ps[1]
    await fakenode.set_ready(c, meta.name(flaky), False)

    async def flaky_unready() -> bool:
        cond = (await conditions(c, "my-nginx")).get(meta.name(flaky))
        listed = await subsets(c, "my-nginx")
        return (cond == {"ready": False, "serving": False, "terminating": False}
                and addresses(listed, "notReadyAddresses") == [flaky["status"]["podIP"]])

    await eventually(flaky_unready, within=WITHIN)
    await fakenode.set_ready(c, meta.name(flaky), True)
    await eventually(ready_listed, within=WITHIN)

    # a terminating pod leaves the Endpoints but stays in the slice, marked terminating
    victim = meta.name(ps[0])
    await c.delete(kinds.POD, victim, "default")

    async def victim_terminating() -> bool:
        cond = (await conditions(c, "my-nginx")).get(victim) or {}
        return (cond == {"ready": False, "serving": True, "terminating": True}
                and ps[0]["status"]["podIP"] not in addresses(await subsets(c, "my-nginx")))

    await eventually(victim_terminating, within=WITHIN)
    await fakenode.finish_deletion(c, await c.get(kinds.POD, victim, "default"))

    async def victim_gone() -> bool:
        return victim not in await conditions(c, "my-nginx")

    await eventually(victim_gone, within=WITHIN)

    # kubectl scale: the scale subresource
    await c.patch(kinds.DEPLOYMENT, "my-nginx", {"spec": {"replicas": 3}}, "default",
                  subresource="scale")

    async def three() -> bool:
        return len(await running_pods()) == 3

    await eventually(three, within=WITHIN)
    await c.patch(kinds.DEPLOYMENT, "my-nginx", {"spec": {"replicas": 1}}, "default",
                  subresource="scale")

    async def one() -> bool:
        return len(await running_pods()) == 1

    await eventually(one, within=WITHIN)


async def test_statefulset_web_is_ordered_and_named(cluster):
    c = cluster
    await c.create(kinds.SERVICE, NGINX_HEADLESS)
    await c.create(kinds.STATEFUL_SET, WEB)

    async def has(names: list[str]) -> bool:
        return [meta.name(p) for p in await pods(c, "app=nginx")] == names

    async def running(name: str) -> bool:
        p = await get(c, kinds.POD, name)
        return bool(p and (p.get("status") or {}).get("podIP"))

    await eventually(lambda: running("web-0"), within=WITHIN)
    assert await has(["web-0"])  # web-1 waits for web-0 to be Ready
    await fakenode.set_ready(c, "web-0", True)
    await eventually(lambda: running("web-1"), within=WITHIN)
    await fakenode.set_ready(c, "web-1", True)

    async def both_ready() -> bool:
        return len(addresses(await subsets(c, "nginx"))) == 2

    await eventually(both_ready, within=WITHIN)
    ep = await get(c, kinds.ENDPOINTS, "nginx")
    assert sorted(a["hostname"] for a in ep["subsets"][0]["addresses"]) == ["web-0", "web-1"]
    assert ep["subsets"][0]["ports"][0]["name"] == "web"
    assert ep["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    (eps,) = await slices(c, "nginx")
    assert sorted(e["hostname"] for e in eps["endpoints"]) == ["web-0", "web-1"]

    async def sts_ready() -> bool:
        st = (await c.get(kinds.STATEFUL_SET, "web", "default")).get("status") or {}
        return st.get("readyReplicas") == 2 and st.get("currentRevision") == st.get(
            "updateRevision")

    await eventually(sts_ready, within=WITHIN)
    assert "create Pod web-1 in StatefulSet web successful" in await event_messages(
        c, "SuccessfulCreate")


async def test_selectorless_mysql_keeps_its_endpoints_and_is_mirrored(cluster):
    c = cluster
    await c.create(kinds.SERVICE, MYSQL_SVC)
    await c.create(kinds.ENDPOINTS, MYSQL_EP)

    async def mirrored() -> bool:
        return len(await slices(c, "mysql")) == 1

    await eventually(mirrored, within=WITHIN)
    (eps,) = await slices(c, "mysql")
    assert eps["endpoints"] == [{"addresses": ["10.32.1.149"], "conditions": {"ready": True}}]
    assert eps["ports"] == [{"name": "", "port": 3306, "protocol": "TCP"}]
    assert eps["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    assert meta.controller_of(eps)["kind"] == "Endpoints"
    ep = await get(c, kinds.ENDPOINTS, "mysql")
    assert addresses(ep["subsets"]) == ["10.32.1.149"]
    assert "endpoints.kubernetes.io/managed-by" not in meta.labels(ep)
    assert await slices(c, "kubernetes") == [] or all(
        "endpointslice.kubernetes.io/managed-by" not in meta.labels(s)
        for s in await slices(c, "kubernetes"))


async def test_load_balancer_ip_and_exhausted_pool(cluster):
    c = cluster
    for name in ("lb-a", "lb-b"):
        await c.create(kinds.SERVICE, {"apiVersion": "v1", "kind": "Service",
                                       "metadata": {"name": name},
                                       "spec": {"type": "LoadBalancer",
                                                "selector": {"app": name},
                                                "ports": [{"port": 80}]}})

        async def has_ingress(n: str = name) -> bool:
            svc = await c.get(kinds.SERVICE, n, "default")
            return bool(((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"))

        if name == "lb-a":
            await eventually(has_ingress, within=WITHIN)

    svc = await c.get(kinds.SERVICE, "lb-a", "default")
    assert svc["status"]["loadBalancer"]["ingress"] == [{"ip": "172.18.255.200",
                                                         "ipMode": "VIP"}]

    async def failed() -> bool:
        return any("pool 172.18.255.200-172.18.255.200 is exhausted" in m
                   for m in await event_messages(c, "AllocationFailed"))

    await eventually(failed, within=WITHIN)
    items, _ = await c.list(kinds.EVENT, "default")
    (ev,) = [e for e in items if e.get("reason") == "AllocationFailed"]
    assert ev["type"] == "Warning" and ev["involvedObject"]["name"] == "lb-b"
    await c.delete(kinds.SERVICE, "lb-a", "default")

    async def b_served() -> bool:
        s = await c.get(kinds.SERVICE, "lb-b", "default")
        return ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress") == [
            {"ip": "172.18.255.200", "ipMode": "VIP"}]

    await eventually(b_served, within=WITHIN)
