"""The official ``kubernetes`` Python client against a running ``tinykube up``.

Every served kind is created, read, listed (in its namespace and across all of them),
replaced, patched three ways, watched and deleted; then the subresources (status, scale),
selectors, optimistic concurrency and the errors the client raises.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_helpers import apps_api, as_dict, body_of, core_api, eventually, gone, rv
from e2e_samples import CASES, KindCase, deployment, pod, service, unique
from kubernetes import client, watch

pytestmark = pytest.mark.e2e

BY_KIND = {c.kind: c for c in CASES}
MERGE = "application/merge-patch+json"


def _ids(case: KindCase) -> str:
    return case.kind


@pytest.fixture
def other_ns(core: Any) -> Iterator[str]:
    name = unique("e2e-other")
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


# --------------------------------------------------------------------------- every kind


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_create_read_list_replace_delete(case: KindCase, apis: client.ApiClient, ns: str) -> None:
    name = unique(case.kind.lower())
    created = case.create(apis, ns, case.make(name, ns))
    md = created.metadata
    assert md.name == name
    assert md.uid and md.creation_timestamp and rv(created) > 0
    assert md.namespace == (ns if case.namespaced else None)

    got = case.read(apis, ns, name)
    # controllers (scheduler, node agent, workload controllers) may have written it since
    assert got.metadata.uid == md.uid and rv(got) >= rv(created)
    assert as_dict(apis, got)["kind"] == case.kind

    listed = case.list(apis, ns)
    assert name in [i.metadata.name for i in listed.items]
    assert int(listed.metadata.resource_version) >= rv(created)
    assert name in [i.metadata.name for i in case.list_all(apis).items]

    replaced = _replace_on_a_fresh_read(case, apis, ns, name, got)
    assert replaced.metadata.labels["replaced"] == "yes"
    assert rv(replaced) > rv(created)
    assert replaced.metadata.uid == md.uid

    case.delete(apis, ns, name)
    eventually(gone(lambda: case.read(apis, ns, name)))


def _replace_on_a_fresh_read(case: KindCase, apis: client.ApiClient, ns: str, name: str,
                             got: Any) -> Any:
    """Replace with a label added; on 409 read again and retry, like client-go's
    RetryOnConflict: controllers (the scheduler and the node agent for a Pod, the workload
    controllers for their status) may write the object between the read and the replace."""
    for _ in range(10):
        got.metadata.labels = {**(got.metadata.labels or {}), "replaced": "yes"}
        try:
            return case.replace(apis, ns, name, got)
        except client.ApiException as e:
            if e.status != 409:
                raise
        got = case.read(apis, ns, name)
    raise AssertionError(f"{case.kind} {name}: still conflicting after 10 fresh reads")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_merge_strategic_and_json_patch(case: KindCase, apis: client.ApiClient, ns: str) -> None:
    name = unique(case.kind.lower())
    created = case.create(apis, ns, case.make(name, ns))

    merged = case.patch(apis, ns, name, {"metadata": {"labels": {"merge": "1"}}},
                        _content_type=MERGE)
    assert merged.metadata.labels["merge"] == "1"
    assert rv(merged) > rv(created)

    strategic = case.patch(apis, ns, name, {"metadata": {"labels": {"strategic": "1"}}})
    assert {"merge": "1", "strategic": "1"}.items() <= strategic.metadata.labels.items()
    assert rv(strategic) > rv(merged)

    ops = [{"op": "add", "path": "/metadata/annotations", "value": {"json": "1"}},
           {"op": "remove", "path": "/metadata/labels/merge"}]
    patched = case.patch(apis, ns, name, ops)
    assert patched.metadata.annotations == {"json": "1"}
    assert "merge" not in patched.metadata.labels
    assert patched.metadata.labels["strategic"] == "1"
    assert rv(patched) > rv(strategic)
    case.delete(apis, ns, name)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_watch_sees_added_modified_deleted(case: KindCase, apis: client.ApiClient, ns: str) -> None:
    start = case.list(apis, ns).metadata.resource_version
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    new_watch: Any = watch.Watch  # untyped in the client
    w = new_watch()

    def pump() -> None:
        args = (ns,) if case.namespaced else ()
        try:
            for ev in w.stream(case.method(apis, "list"), *args, resource_version=start,
                               timeout_seconds=60):
                events.put((ev["type"], ev["raw_object"]))
        except Exception as e:  # handed to the test thread, which fails with it
            events.put(("EXCEPTION", e))

    threading.Thread(target=pump, daemon=True).start()
    name = unique(case.kind.lower())
    case.create(apis, ns, case.make(name, ns))
    case.patch(apis, ns, name, {"metadata": {"labels": {"watched": "yes"}}}, _content_type=MERGE)
    case.delete(apis, ns, name)

    seen: list[tuple[str, dict[str, Any]]] = []

    def deleted() -> bool:
        while not events.empty():
            kind, obj = events.get_nowait()
            assert kind != "EXCEPTION", obj
            if obj.get("metadata", {}).get("name") == name:
                seen.append((kind, obj))
        return any(kind == "DELETED" for kind, _ in seen)

    try:
        eventually(deleted)
    finally:
        w.stop()
    types = [kind for kind, _ in seen]
    assert types[0] == "ADDED" and types[-1] == "DELETED", types
    assert "MODIFIED" in types
    revisions = [int(obj["metadata"]["resourceVersion"]) for _, obj in seen]
    assert revisions == sorted(revisions) and revisions[0] > int(start)
    modified = next(obj for kind, obj in seen  # a controller's writes may come first
                    if kind == "MODIFIED" and "watched" in obj["metadata"].get("labels", {}))
    assert modified["metadata"]["labels"]["watched"] == "yes"


# --------------------------------------------------------------------------- strategic merge keys


def test_strategic_patch_merges_service_ports_by_port(core: Any, ns: str) -> None:
    name = unique("smp-svc")
    core.create_namespaced_service(ns, service(name, ns))
    patched = core.patch_namespaced_service(
        name, ns, {"spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}}
    )
    ports = {p.port: p for p in patched.spec.ports}
    assert set(ports) == {80, 443}
    assert ports[443].target_port == 8443 and ports[443].protocol == "TCP"
    patched = core.patch_namespaced_service(
        name, ns, {"spec": {"ports": [{"$patch": "delete", "port": 80}]}}
    )
    assert [p.port for p in patched.spec.ports] == [443]


def test_strategic_patch_merges_containers_by_name(apis: client.ApiClient, ns: str) -> None:
    apps = apps_api(apis)
    name = unique("smp-deploy")
    apps.create_namespaced_deployment(ns, deployment(name, ns))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}
    patched = apps.patch_namespaced_deployment(name, ns, patch)
    containers = patched.spec.template.spec.containers
    assert [(c.name, c.image) for c in containers] == [("web", "nginx:2")]
    assert containers[0].ports[0].container_port == 80
    assert patched.metadata.generation == 2


# --------------------------------------------------------------------------- subresources


def test_service_status_subresource(core: Any, ns: str) -> None:
    name = unique("status-svc")
    svc = service(name, ns)
    svc["spec"]["type"] = "LoadBalancer"  # Kubernetes clears LB status of other types on update
    svc["spec"]["loadBalancerClass"] = "example.com/elsewhere"  # not tinykube's LB controller
    created = core.create_namespaced_service(ns, svc)
    ingress = {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}}
    patched = core.patch_namespaced_service_status(name, ns, ingress, _content_type=MERGE)
    assert patched.status.load_balancer.ingress[0].ip == "192.0.2.10"
    assert patched.spec.cluster_ip == created.spec.cluster_ip
    assert core.read_namespaced_service_status(name, ns).status.load_balancer.ingress

    # a write to the main resource leaves status alone
    via_main = {"metadata": {"labels": {"x": "y"}}, "status": {"loadBalancer": {"ingress": None}}}
    after = core.patch_namespaced_service(name, ns, via_main, _content_type=MERGE)
    assert after.metadata.labels["x"] == "y"
    assert after.status.load_balancer.ingress[0].ip == "192.0.2.10"
    # and a write to status leaves the spec alone
    spec_via_status = {"spec": {"ports": [{"name": "http", "port": 81}]}}
    after = core.patch_namespaced_service_status(name, ns, spec_via_status, _content_type=MERGE)
    assert [p.port for p in after.spec.ports] == [80]


def test_pod_and_node_status_subresources(apis: client.ApiClient, ns: str) -> None:
    core = core_api(apis)
    name = unique("status-pod")
    core.create_namespaced_pod(ns, pod(name, ns))
    status = {"status": {"phase": "Running", "podIP": "10.244.0.9",
                         "podIPs": [{"ip": "10.244.0.9"}]}}
    patched = core.patch_namespaced_pod_status(name, ns, status, _content_type=MERGE)
    assert (patched.status.phase, patched.status.pod_ip) == ("Running", "10.244.0.9")

    node_name = unique("status-node")
    core.create_node(BY_KIND["Node"].make(node_name, ""))
    addresses = {"status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.9"}]}}
    node = core.patch_node_status(node_name, addresses, _content_type=MERGE)
    assert node.status.addresses[0].address == "172.18.0.9"
    core.delete_node(node_name)


def test_deployment_status_subresource(apis: client.ApiClient, ns: str) -> None:
    apps = apps_api(apis)
    name = unique("status-deploy")
    apps.create_namespaced_deployment(ns, deployment(name, ns))
    status = {"status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1}}
    patched = apps.patch_namespaced_deployment_status(name, ns, status, _content_type=MERGE)
    assert (patched.status.observed_generation, patched.status.ready_replicas) == (1, 1)
    # the deployment controller owns the status from here on: only the subresource's GET
    assert apps.read_namespaced_deployment_status(name, ns).metadata.name == name


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet"])
def test_scale_subresource(kind: str, apis: client.ApiClient, ns: str) -> None:
    case = BY_KIND[kind]
    name = unique(kind.lower())
    case.create(apis, ns, case.make(name, ns))
    scale = case.read(apis, ns, name, "scale")
    body = as_dict(apis, scale)
    assert (body["kind"], body["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale.spec.replicas == 1
    assert scale.status.selector == f"app={name}"

    scaled = case.patch(apis, ns, name, {"spec": {"replicas": 3}}, "scale", _content_type=MERGE)
    assert scaled.spec.replicas == 3
    assert case.read(apis, ns, name).spec.replicas == 3

    # a PUT of the Scale with the resourceVersion it was read at is now stale
    scale.spec.replicas = 5
    with pytest.raises(client.ApiException) as e:
        case.replace(apis, ns, name, scale, "scale")
    assert e.value.status == 409
    assert body_of(e.value)["reason"] == "Conflict"
    for _ in range(10):  # the controller writes status meanwhile: retry on a fresh read
        fresh = case.read(apis, ns, name, "scale")
        fresh.spec.replicas = 2
        try:
            assert case.replace(apis, ns, name, fresh, "scale").spec.replicas == 2
            break
        except client.ApiException as err:
            if err.status != 409:
                raise
    else:
        raise AssertionError("the Scale kept conflicting")


# --------------------------------------------------------------------------- selectors


def test_label_selectors(core: Any, ns: str) -> None:
    run = unique("sel")
    for suffix, labels in [("a", {"tier": "a"}), ("b", {"tier": "b", "env": "x"}), ("c", {})]:
        svc = service(f"{run}-{suffix}", ns)
        svc["metadata"]["labels"] = {"run": run, **labels}
        core.create_namespaced_service(ns, svc)

    def names(selector: str) -> list[str]:
        items = core.list_namespaced_service(ns, label_selector=f"run={run},{selector}").items
        return sorted(i.metadata.name.removeprefix(f"{run}-") for i in items)

    assert names("tier=a") == ["a"]
    assert names("tier!=a") == ["b", "c"]
    assert names("tier in (a,b),!env") == ["a"]
    assert names("env") == ["b"]
    assert names("tier notin (b)") == ["a", "c"]


def test_field_selectors(apis: client.ApiClient, ns: str, other_ns: str) -> None:
    core = core_api(apis)
    name = unique("field")
    core.create_namespaced_service(ns, service(name, ns))
    core.create_namespaced_service(other_ns, service(name, other_ns))

    by_name = core.list_namespaced_service(ns, field_selector=f"metadata.name={name}").items
    assert [i.metadata.name for i in by_name] == [name]
    everywhere = core.list_service_for_all_namespaces(field_selector=f"metadata.name={name}")
    assert sorted(i.metadata.namespace for i in everywhere.items) == sorted([ns, other_ns])
    one_ns = core.list_service_for_all_namespaces(
        field_selector=f"metadata.name={name},metadata.namespace={other_ns}"
    )
    assert [i.metadata.namespace for i in one_ns.items] == [other_ns]
    not_it = core.list_namespaced_service(ns, field_selector=f"metadata.name!={name}").items
    assert name not in [i.metadata.name for i in not_it]

    ev = BY_KIND["Event"].make(unique("ev"), ns)
    ev["involvedObject"] = {"kind": "Service", "name": name, "namespace": ns}
    core.create_namespaced_event(ns, ev)
    selector = f"involvedObject.kind=Service,involvedObject.name={name}"
    assert len(core.list_namespaced_event(ns, field_selector=selector).items) == 1

    bound = pod(unique("bound"), ns)
    bound["spec"]["nodeName"] = node = unique("node")
    core.create_namespaced_pod(ns, bound)
    on_node = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
    assert [p.metadata.name for p in on_node] == [bound["metadata"]["name"]]


def test_all_namespaces_list(core: Any, ns: str, other_ns: str) -> None:
    run = unique("all")
    for where in (ns, other_ns):
        svc = service(unique("svc"), where)
        svc["metadata"]["labels"]["run"] = run
        core.create_namespaced_service(where, svc)
    listed = core.list_service_for_all_namespaces(label_selector=f"run={run}")
    assert sorted(i.metadata.namespace for i in listed.items) == sorted([ns, other_ns])
    assert int(listed.metadata.resource_version) > 0


# --------------------------------------------------------------------------- concurrency and errors


def test_stale_resource_version_is_409(core: Any, ns: str) -> None:
    name = unique("stale")
    core.create_namespaced_service(ns, service(name, ns))
    first = core.read_namespaced_service(name, ns)
    second = core.read_namespaced_service(name, ns)
    first.metadata.labels["who"] = "first"
    assert rv(core.replace_namespaced_service(name, ns, first)) > rv(second)

    second.metadata.labels["who"] = "second"
    with pytest.raises(client.ApiException) as e:
        core.replace_namespaced_service(name, ns, second)
    assert e.value.status == 409
    status = body_of(e.value)
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]

    stale_patch = {"metadata": {"resourceVersion": str(rv(second)), "labels": {"who": "p"}}}
    with pytest.raises(client.ApiException) as e:
        core.patch_namespaced_service(name, ns, stale_patch, _content_type=MERGE)
    assert e.value.status == 409
    assert core.read_namespaced_service(name, ns).metadata.labels["who"] == "first"


def test_not_found(apis: client.ApiClient, ns: str) -> None:
    with pytest.raises(client.ApiException) as e:
        core_api(apis).read_namespaced_service("nope", ns)
    assert (e.value.status, e.value.reason) == (404, "Not Found")
    status = body_of(e.value)
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "NotFound", 404)
    assert status["message"] == 'services "nope" not found'
    assert status["details"]["name"] == "nope"
    assert status["details"]["kind"] == "services"

    with pytest.raises(client.ApiException) as e:
        apps_api(apis).read_namespaced_deployment("nope", ns)
    status = body_of(e.value)
    assert status["message"] == 'deployments.apps "nope" not found'
    assert status["details"]["group"] == "apps"


def test_already_exists(core: Any, ns: str) -> None:
    name = unique("twice")
    core.create_namespaced_service(ns, service(name, ns))
    with pytest.raises(client.ApiException) as e:
        core.create_namespaced_service(ns, service(name, ns))
    assert (e.value.status, e.value.reason) == (409, "Conflict")
    status = body_of(e.value)
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == f'services "{name}" already exists'


def test_invalid_is_422_with_causes(core: Any, ns: str) -> None:
    svc = service(unique("bad"), ns)
    svc["spec"]["ports"] = [{"port": 0}]
    with pytest.raises(client.ApiException) as e:
        core.create_namespaced_service(ns, svc)
    assert (e.value.status, e.value.reason) == (422, "Unprocessable Entity")
    status = body_of(e.value)
    assert status["reason"] == "Invalid"
    assert status["details"]["kind"] == "Service"
    # targetPort defaults to port, so Kubernetes reports both
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "field": f"spec.ports[0].{name}",
         "message": "Invalid value: 0: must be between 1 and 65535, inclusive"}
        for name in ("port", "targetPort")
    ]


def test_dry_run_stores_nothing(core: Any, ns: str) -> None:
    name = unique("dry")
    answer = core.create_namespaced_service(ns, service(name, ns), dry_run="All")
    assert answer.metadata.name == name and answer.spec.cluster_ip
    with pytest.raises(client.ApiException) as e:
        core.read_namespaced_service(name, ns)
    assert e.value.status == 404


def test_kubernetes_service_has_the_first_address(core: Any) -> None:
    svc = core.read_namespaced_service("kubernetes", "default")
    assert svc.spec.cluster_ip == "10.96.0.1"
    assert [(p.name, p.port) for p in svc.spec.ports] == [("https", 443)]
