"""status, scale, namespaces/finalize, pods/binding and the pod stream subresources."""

from __future__ import annotations

import pytest

from tinykube.api.kinds import DEPLOYMENT, NAMESPACE, POD, REPLICA_SET, SERVICE, STATEFUL_SET, Kind

from .conftest import Api
from .samples import collection, item, sample


async def test_status_changes_only_status(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "lb"))
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.1"}]}}
    svc["spec"]["ports"][0]["port"] = 81
    svc["metadata"]["labels"] = {"sneaky": "yes"}
    status, _, out = await api.call("PUT", item(SERVICE, "lb") + "/status", svc)
    assert status == 200, out
    assert out["status"]["loadBalancer"]["ingress"][0]["ip"] == "172.18.255.1"
    assert out["spec"]["ports"][0]["port"] == 80
    assert "labels" not in out["metadata"]
    status, _, got = await api.call("GET", item(SERVICE, "lb") + "/status")
    assert status == 200 and got == out


async def test_status_put_checks_the_resource_version(api: Api) -> None:
    _, _, svc = await api.call("POST", collection(SERVICE), sample(SERVICE, "lb"))
    await api.call("PATCH", item(SERVICE, "lb"), {"metadata": {"labels": {"a": "b"}}},
                   content_type="application/merge-patch+json")
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.1"}]}}
    status, _, out = await api.call("PUT", item(SERVICE, "lb") + "/status", svc)
    assert status == 409 and out["reason"] == "Conflict"


async def test_status_patch(api: Api) -> None:
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    status, _, out = await api.call(
        "PATCH", item(DEPLOYMENT, "d") + "/status",
        {"status": {"replicas": 2, "readyReplicas": 1}, "spec": {"replicas": 9}},
        content_type="application/merge-patch+json")
    assert status == 200, out
    assert out["status"]["replicas"] == 2 and out["spec"]["replicas"] == 2
    assert out["metadata"]["generation"] == 1


async def test_main_resource_writes_keep_status(api: Api) -> None:
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    await api.call("PATCH", item(DEPLOYMENT, "d") + "/status", {"status": {"replicas": 2}},
                   content_type="application/merge-patch+json")
    status, _, out = await api.call("PATCH", item(DEPLOYMENT, "d"),
                                    {"status": {"replicas": 7}},
                                    content_type="application/merge-patch+json")
    assert status == 200 and out["status"]["replicas"] == 2


@pytest.mark.parametrize("kind", [DEPLOYMENT, REPLICA_SET, STATEFUL_SET], ids=lambda k: k.kind)
async def test_scale_get_patch_put(api: Api, kind: Kind) -> None:
    await api.call("POST", collection(kind), sample(kind, "w"))
    status, _, s = await api.call("GET", item(kind, "w") + "/scale")
    assert status == 200 and s["kind"] == "Scale" and s["apiVersion"] == "autoscaling/v1"
    assert s["spec"] == {"replicas": 2}
    assert s["status"] == {"replicas": 0, "selector": "app=web"}
    status, _, s = await api.call("PATCH", item(kind, "w") + "/scale", {"spec": {"replicas": 3}},
                                  content_type="application/merge-patch+json")
    assert status == 200 and s["spec"]["replicas"] == 3
    _, _, obj = await api.call("GET", item(kind, "w"))
    assert obj["spec"]["replicas"] == 3 and obj["metadata"]["generation"] == 2
    s["spec"]["replicas"] = 4
    status, _, out = await api.call("PUT", item(kind, "w") + "/scale", s, content_type=None)
    assert status == 200, out
    assert out["spec"]["replicas"] == 4
    status, _, out = await api.call("PUT", item(kind, "w") + "/scale", s, content_type=None)
    assert status == 409 and out["reason"] == "Conflict"  # s carries a stale resourceVersion


async def test_scale_rejects_negative_replicas(api: Api) -> None:
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    status, _, out = await api.call("PATCH", item(DEPLOYMENT, "d") + "/scale",
                                    {"spec": {"replicas": -1}},
                                    content_type="application/merge-patch+json")
    assert status == 422 and out["details"]["kind"] == "Scale"
    assert out["details"]["causes"][0]["field"] == "spec.replicas"


async def test_scale_of_a_missing_workload_is_404(api: Api) -> None:
    status, _, out = await api.call("GET", item(DEPLOYMENT, "nope") + "/scale")
    assert status == 404 and out["message"] == 'deployments.apps "nope" not found'


async def test_finalize_only_touches_spec_finalizers(api: Api) -> None:
    await api.call("POST", collection(NAMESPACE), sample(NAMESPACE, "dev"))
    _, _, ns = await api.call("GET", item(NAMESPACE, "dev"))
    ns["spec"]["finalizers"] = ["kubernetes", "example.com/x"]
    ns["metadata"]["labels"] = {"ignored": "yes"}
    status, _, out = await api.call("PUT", item(NAMESPACE, "dev") + "/finalize", ns)
    assert status == 200
    assert out["spec"]["finalizers"] == ["kubernetes", "example.com/x"]
    assert "ignored" not in out["metadata"].get("labels", {})
    status, _, out = await api.call("PUT", item(NAMESPACE, "dev") + "/finalize",
                                    {"metadata": {"name": "dev"}, "spec": {"finalizers": []}})
    assert status == 200 and "finalizers" not in out["spec"]
    assert (await api.call("GET", item(NAMESPACE, "dev")))[0] == 200  # not terminating


async def test_a_terminating_namespace_waits_for_metadata_finalizers_too(api: Api) -> None:
    body = sample(NAMESPACE, "dev")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await api.call("POST", collection(NAMESPACE), body)
    await api.call("DELETE", item(NAMESPACE, "dev"))
    await api.call("PUT", item(NAMESPACE, "dev") + "/finalize",
                   {"metadata": {"name": "dev"}, "spec": {"finalizers": []}})
    assert (await api.call("GET", item(NAMESPACE, "dev")))[0] == 200
    status, _, _ = await api.call("PATCH", item(NAMESPACE, "dev"),
                                  {"metadata": {"finalizers": None}},
                                  content_type="application/merge-patch+json")
    assert status == 200
    assert (await api.call("GET", item(NAMESPACE, "dev")))[0] == 404


async def test_binding_assigns_a_pod_once(api: Api) -> None:
    await api.call("POST", collection(POD), sample(POD, "p"))
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "n1"}}
    status, _, out = await api.call("POST", item(POD, "p") + "/binding", binding)
    assert status == 201 and out["status"] == "Success"
    _, _, pod = await api.call("GET", item(POD, "p"))
    assert pod["spec"]["nodeName"] == "n1"
    cond = pod["status"]["conditions"][0]
    assert (cond["type"], cond["status"]) == ("PodScheduled", "True")
    binding["target"]["name"] = "n2"
    status, _, out = await api.call("POST", item(POD, "p") + "/binding", binding)
    assert status == 409 and 'already assigned to node "n1"' in out["message"]


@pytest.mark.parametrize("sub", ["exec", "attach", "portforward"])
async def test_streaming_subresources_need_a_node_agent(api: Api, sub: str) -> None:
    await api.call("POST", collection(POD), sample(POD, "p"))
    status, _, out = await api.call("POST", item(POD, "p") + f"/{sub}?command=ls")
    assert status == 400 and out["message"] == "Upgrade request required"
    status, _, out = await api.call("GET", item(POD, "ghost") + f"/{sub}")
    assert status == 404


async def test_logs_without_a_node_agent_are_a_clean_400(api: Api) -> None:
    await api.call("POST", collection(POD), sample(POD, "p"))
    status, _, out = await api.call("GET", item(POD, "p") + "/log?container=c")
    assert status == 400 and out["kind"] == "Status"


async def test_a_plugged_in_pod_stream_handler_answers(api: Api) -> None:
    from aiohttp import web

    seen: list[tuple[str, str]] = []

    async def logs(request: web.Request, pod: dict[str, object],
                   subresource: str) -> web.StreamResponse:
        seen.append((pod["metadata"]["name"], subresource))  # type: ignore[index]
        return web.Response(text="hello\n")

    api.server.set_pod_streams(logs)
    await api.call("POST", collection(POD), sample(POD, "p"))
    status, _, out = await api.call("GET", item(POD, "p") + "/log")
    assert status == 200 and out == "hello\n"
    assert seen == [("p", "log")]


async def test_methods_not_served_on_subresources(api: Api) -> None:
    await api.call("POST", collection(DEPLOYMENT), sample(DEPLOYMENT, "d"))
    status, _, out = await api.call("DELETE", item(DEPLOYMENT, "d") + "/scale")
    assert status == 405 and out["reason"] == "MethodNotAllowed"
