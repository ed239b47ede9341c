from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.apiserver import discovery
from tinykube.errors import NotFound


def resources_by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["resource"]: r for item in doc["items"] for v in item["versions"]
            for r in v["resources"]}


def test_content_type_is_exact() -> None:
    assert discovery.AGGREGATED_CONTENT_TYPE == (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    )


def test_core_aggregated_has_one_unnamed_item() -> None:
    doc = discovery.aggregated(core=True)
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    (item,) = doc["items"]
    assert "name" not in item["metadata"]
    (version,) = item["versions"]
    assert version["version"] == "v1" and version["freshness"] == "Current"
    names = [r["resource"] for r in version["resources"]]
    assert names == sorted(["namespaces", "nodes", "pods", "services", "endpoints", "events"])


def test_service_resource_entry() -> None:
    svc = resources_by_name(discovery.aggregated(core=True))["services"]
    assert svc["responseKind"] == {"group": "", "version": "v1", "kind": "Service"}
    assert svc["scope"] == "Namespaced"
    assert svc["shortNames"] == ["svc"]
    assert svc["categories"] == ["all"]
    assert svc["singularResource"] == "service"
    assert svc["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch",
                            "update", "watch"]
    assert svc["subresources"] == [{
        "subresource": "status",
        "responseKind": {"group": "", "version": "v1", "kind": "Service"},
        "verbs": ["get", "patch", "update"],
    }]


def test_cluster_scoped_and_uncategorised() -> None:
    core = resources_by_name(discovery.aggregated(core=True))
    assert core["namespaces"]["scope"] == "Cluster"
    assert core["nodes"]["shortNames"] == ["no"]
    assert "categories" not in core["endpoints"]
    assert core["endpoints"]["shortNames"] == ["ep"]


def test_pod_subresources_as_in_kubernetes() -> None:
    subs = {s["subresource"]: s for s in
            resources_by_name(discovery.aggregated(core=True))["pods"]["subresources"]}
    assert subs["log"]["verbs"] == ["get"]
    assert subs["log"]["responseKind"]["kind"] == "Pod"
    assert subs["exec"]["verbs"] == ["create", "get"]
    assert subs["exec"]["responseKind"]["kind"] == "PodExecOptions"
    assert subs["attach"]["responseKind"]["kind"] == "PodAttachOptions"
    assert subs["status"]["verbs"] == ["get", "patch", "update"]


def test_named_groups_aggregated() -> None:
    doc = discovery.aggregated(core=False)
    assert sorted(i["metadata"]["name"] for i in doc["items"]) == ["apps", "discovery.k8s.io"]
    res = resources_by_name(doc)
    deploy = res["deployments"]
    assert deploy["shortNames"] == ["deploy"] and deploy["categories"] == ["all"]
    assert deploy["responseKind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    subs = {s["subresource"]: s for s in deploy["subresources"]}
    assert subs["scale"]["responseKind"] == {"group": "autoscaling", "version": "v1",
                                             "kind": "Scale"}
    assert subs["status"]["responseKind"]["kind"] == "Deployment"
    assert res["endpointslices"]["responseKind"]["group"] == "discovery.k8s.io"
    assert "shortNames" not in res["endpointslices"]


def test_every_kind_is_discoverable_once() -> None:
    every = {**resources_by_name(discovery.aggregated(core=True)),
             **resources_by_name(discovery.aggregated(core=False))}
    assert sorted(every) == sorted(k.plural for k in kinds.KINDS)
    all_category = sorted(r for r, v in every.items() if "all" in v.get("categories", []))
    assert all_category == ["deployments", "pods", "replicasets", "services", "statefulsets"]


def test_callers_get_copies() -> None:
    doc = discovery.aggregated(core=True)
    doc["items"].clear()
    assert discovery.aggregated(core=True)["items"]


def test_api_versions() -> None:
    assert discovery.api_versions("127.0.0.1:6443") == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                        "serverAddress": "127.0.0.1:6443"}],
    }


def test_api_group_list() -> None:
    doc = discovery.api_group_list()
    assert doc["kind"] == "APIGroupList" and doc["apiVersion"] == "v1"
    groups = {g["name"]: g for g in doc["groups"]}
    assert set(groups) == {"apps", "discovery.k8s.io"}
    assert groups["apps"]["versions"] == [{"groupVersion": "apps/v1", "version": "v1"}]
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}


def test_core_resource_list() -> None:
    doc = discovery.resource_list("", "v1")
    assert doc["kind"] == "APIResourceList" and doc["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["services"] == {
        "name": "services", "singularName": "service", "namespaced": True, "kind": "Service",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                  "watch"],
        "shortNames": ["svc"], "categories": ["all"],
    }
    assert by_name["services/status"] == {
        "name": "services/status", "singularName": "", "namespaced": True, "kind": "Service",
        "verbs": ["get", "patch", "update"],
    }
    assert by_name["pods/exec"]["kind"] == "PodExecOptions"
    assert by_name["pods/log"]["verbs"] == ["get"]
    assert by_name["namespaces"]["namespaced"] is False


def test_apps_resource_list_scale_names_its_group() -> None:
    by_name = {r["name"]: r for r in discovery.resource_list("apps", "v1")["resources"]}
    assert by_name["deployments/scale"]["group"] == "autoscaling"
    assert by_name["deployments/scale"]["version"] == "v1"
    assert by_name["deployments/scale"]["kind"] == "Scale"
    assert "group" not in by_name["deployments/status"]
    assert by_name["statefulsets"]["shortNames"] == ["sts"]


@pytest.mark.parametrize(("group", "version"), [("apps", "v2"), ("batch", "v1"), ("", "v2")])
def test_unserved_group_version_is_not_found(group: str, version: str) -> None:
    with pytest.raises(NotFound, match="could not find the requested resource"):
        discovery.resource_list(group, version)
