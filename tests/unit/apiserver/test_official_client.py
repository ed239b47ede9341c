"""The official ``kubernetes`` Python client against the server: every kind, errors, watch.

The client is synchronous, so each call runs in a thread while the server keeps serving
on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tinykube.api.kinds import (
    DEPLOYMENT,
    ENDPOINT_SLICE,
    ENDPOINTS,
    EVENT,
    NAMESPACE,
    NODE,
    POD,
    REPLICA_SET,
    SERVICE,
    STATEFUL_SET,
    Kind,
)

from .conftest import Api
from .samples import sample

# kind -> (API class, method suffix)
TYPED: dict[str, tuple[type, str]] = {
    NAMESPACE.kind: (client.CoreV1Api, "namespace"),
    NODE.kind: (client.CoreV1Api, "node"),
    POD.kind: (client.CoreV1Api, "namespaced_pod"),
    SERVICE.kind: (client.CoreV1Api, "namespaced_service"),
    ENDPOINTS.kind: (client.CoreV1Api, "namespaced_endpoints"),
    EVENT.kind: (client.CoreV1Api, "namespaced_event"),
    ENDPOINT_SLICE.kind: (client.DiscoveryV1Api, "namespaced_endpoint_slice"),
    DEPLOYMENT.kind: (client.AppsV1Api, "namespaced_deployment"),
    REPLICA_SET.kind: (client.AppsV1Api, "namespaced_replica_set"),
    STATEFUL_SET.kind: (client.AppsV1Api, "namespaced_stateful_set"),
}
KINDS = (NAMESPACE, NODE, POD, SERVICE, ENDPOINTS, EVENT, ENDPOINT_SLICE, DEPLOYMENT,
         REPLICA_SET, STATEFUL_SET)


class Typed:
    """create/read/list/patch/replace/delete of one kind through the typed client."""

    def __init__(self, api: Api, kind: Kind) -> None:
        cls, self.suffix = TYPED[kind.kind]
        self.api = cls(api.kube())
        self.kind = kind

    def _call(self, verb: str, *args: Any, **kw: Any) -> Callable[[], Any]:
        method = getattr(self.api, f"{verb}_{self.suffix}")
        if self.kind.namespaced:
            args = (*args[:1], "default", *args[1:]) if verb != "create" else ("default", *args)
        return lambda: method(*args, **kw)

    async def run(self, verb: str, *args: Any, **kw: Any) -> Any:
        return await asyncio.to_thread(self._call(verb, *args, **kw))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
async def test_every_kind_through_the_official_client(api: Api, kind: Kind) -> None:
    t = Typed(api, kind)
    created = await t.run("create", sample(kind, "one"))
    assert created.metadata.name == "one" and created.metadata.uid
    got = await t.run("read", "one")
    assert got.metadata.uid == created.metadata.uid
    listed = await asyncio.to_thread(getattr(t.api, f"list_{t.suffix}"),
                                     *(("default",) if kind.namespaced else ()))
    assert "one" in [i.metadata.name for i in listed.items]
    assert listed.metadata.resource_version
    patched = await t.run("patch", "one", {"metadata": {"labels": {"via": "client"}}})
    assert patched.metadata.labels["via"] == "client"
    got = await t.run("read", "one")
    got.metadata.annotations = {"replaced": "yes"}
    replaced = await t.run("replace", "one", got)
    assert replaced.metadata.annotations == {"replaced": "yes"}
    if kind is NAMESPACE:
        return
    await t.run("delete", "one")
    with pytest.raises(ApiException) as e:
        await t.run("read", "one")
    assert e.value.status == 404
    assert json.loads(e.value.body)["reason"] == "NotFound"


async def test_errors_come_back_as_api_exceptions_with_status_bodies(api: Api) -> None:
    core = client.CoreV1Api(api.kube())
    await asyncio.to_thread(core.create_namespaced_service, "default", sample(SERVICE, "web"))
    with pytest.raises(ApiException) as e:
        await asyncio.to_thread(core.create_namespaced_service, "default",
                                sample(SERVICE, "web"))
    assert e.value.status == 409
    assert json.loads(e.value.body)["message"] == 'services "web" already exists'
    bad = sample(SERVICE, "bad")
    bad["spec"]["ports"][0]["port"] = 0
    with pytest.raises(ApiException) as e:
        await asyncio.to_thread(core.create_namespaced_service, "default", bad)
    assert e.value.status == 422 and e.value.reason == "Unprocessable Entity"
    body = json.loads(e.value.body)
    assert body["reason"] == "Invalid" and body["details"]["kind"] == "Service"
    assert any(c["field"] == "spec.ports[0].port" for c in body["details"]["causes"])


async def test_dry_run_through_the_client(api: Api) -> None:
    core = client.CoreV1Api(api.kube())
    out = await asyncio.to_thread(core.create_namespaced_service, "default",
                                  sample(SERVICE, "dry"), dry_run="All")
    assert out.metadata.name == "dry"
    with pytest.raises(ApiException) as e:
        await asyncio.to_thread(core.read_namespaced_service, "dry", "default")
    assert e.value.status == 404


async def test_scale_and_status_through_the_client(api: Api) -> None:
    apps = client.AppsV1Api(api.kube())
    await asyncio.to_thread(apps.create_namespaced_deployment, "default",
                            sample(DEPLOYMENT, "d"))
    s = await asyncio.to_thread(apps.patch_namespaced_deployment_scale, "d", "default",
                                {"spec": {"replicas": 5}})
    assert s.spec.replicas == 5
    s = await asyncio.to_thread(apps.read_namespaced_deployment_scale, "d", "default")
    assert s.spec.replicas == 5 and s.status.selector == "app=web"
    d = await asyncio.to_thread(apps.read_namespaced_deployment, "d", "default")
    d.status = client.V1DeploymentStatus(replicas=5, ready_replicas=5, observed_generation=2)
    out = await asyncio.to_thread(apps.replace_namespaced_deployment_status, "d", "default", d)
    assert out.status.ready_replicas == 5


async def test_foreground_delete_through_the_client(api: Api) -> None:
    apps = client.AppsV1Api(api.kube())
    await asyncio.to_thread(apps.create_namespaced_deployment, "default",
                            sample(DEPLOYMENT, "d"))
    await asyncio.to_thread(apps.delete_namespaced_deployment, "d", "default",
                            body=client.V1DeleteOptions(propagation_policy="Foreground"))
    d = await asyncio.to_thread(apps.read_namespaced_deployment, "d", "default")
    assert d.metadata.deletion_timestamp is not None
    assert d.metadata.finalizers == ["foregroundDeletion"]


async def test_watch_through_the_client(api: Api) -> None:
    core = client.CoreV1Api(api.kube())
    listed = await asyncio.to_thread(core.list_namespaced_service, "default")
    rv = listed.metadata.resource_version
    w = watch.Watch()
    seen: list[tuple[str, str]] = []
    started = threading.Event()

    def follow() -> None:
        started.set()
        for ev in w.stream(core.list_namespaced_service, "default", resource_version=rv,
                           timeout_seconds=20):
            seen.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED":
                w.stop()

    task = asyncio.create_task(asyncio.to_thread(follow))
    await asyncio.to_thread(started.wait, 10)
    await asyncio.to_thread(core.create_namespaced_service, "default", sample(SERVICE, "w"))
    await asyncio.to_thread(core.patch_namespaced_service, "w", "default",
                            {"metadata": {"labels": {"a": "b"}}})
    await asyncio.to_thread(core.delete_namespaced_service, "w", "default")
    await asyncio.wait_for(task, 30)
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]
