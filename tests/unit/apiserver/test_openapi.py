import re

import pytest

from tinykube import KUBERNETES_VERSION
from tinykube.apiserver import openapi
from tinykube.errors import NotFound


def test_index_lists_every_group_version_with_a_hash() -> None:
    paths = openapi.index()["paths"]
    assert set(paths) == {"api/v1", "apis/apps/v1", "apis/discovery.k8s.io/v1"}
    for key, entry in paths.items():
        url = entry["serverRelativeURL"]
        assert re.fullmatch(rf"/openapi/v3/{re.escape(key)}\?hash=[0-9A-F]{{128}}", url), url


def test_hash_is_stable_and_differs_per_document() -> None:
    first, second = openapi.index()["paths"], openapi.index()["paths"]
    assert first == second
    hashes = {e["serverRelativeURL"].split("hash=")[1] for e in first.values()}
    assert len(hashes) == 3


def test_hash_follows_content() -> None:
    doc = openapi.document("", "v1")
    before = openapi.content_hash(doc)
    doc["paths"].pop(next(iter(doc["paths"])))
    assert openapi.content_hash(doc) != before


def patch_ops(group: str, version: str) -> dict[str, dict]:
    doc = openapi.document(group, version)
    return {path: ops["patch"] for path, ops in doc["paths"].items()}


def test_core_document_has_a_patch_with_field_validation_per_kind() -> None:
    doc = openapi.document("", "v1")
    assert doc["openapi"] == "3.0.0"
    assert doc["info"] == {"title": "Kubernetes", "version": KUBERNETES_VERSION}
    assert doc["components"] == {"schemas": {}}
    ops = patch_ops("", "v1")
    gvks = {op["x-kubernetes-group-version-kind"]["kind"]: path for path, op in ops.items()}
    assert gvks == {
        "Namespace": "/api/v1/namespaces/{name}",
        "Node": "/api/v1/nodes/{name}",
        "Pod": "/api/v1/namespaces/{namespace}/pods/{name}",
        "Service": "/api/v1/namespaces/{namespace}/services/{name}",
        "Endpoints": "/api/v1/namespaces/{namespace}/endpoints/{name}",
        "Event": "/api/v1/namespaces/{namespace}/events/{name}",
    }
    for op in ops.values():
        query = [p["name"] for p in op["parameters"] if p["in"] == "query"]
        assert "fieldValidation" in query
        assert op["x-kubernetes-group-version-kind"]["group"] == ""
        assert op["x-kubernetes-group-version-kind"]["version"] == "v1"


def test_path_parameters_match_scope() -> None:
    ops = patch_ops("", "v1")
    ns_params = [p["name"] for p in ops["/api/v1/namespaces/{name}"]["parameters"]
                 if p["in"] == "path"]
    svc_params = [p["name"] for p in
                  ops["/api/v1/namespaces/{namespace}/services/{name}"]["parameters"]
                  if p["in"] == "path"]
    assert ns_params == ["name"]
    assert svc_params == ["name", "namespace"]


def test_named_group_documents() -> None:
    apps = patch_ops("apps", "v1")
    assert apps["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"][
        "x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1",
                                               "kind": "Deployment"}
    assert len(apps) == 3
    disc = patch_ops("discovery.k8s.io", "v1")
    assert list(disc) == ["/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}"]


def test_documents_are_copies() -> None:
    openapi.document("", "v1")["paths"].clear()
    assert openapi.document("", "v1")["paths"]


@pytest.mark.parametrize(("group", "version"), [("", "v2"), ("batch", "v1"), ("apps", "v1beta1")])
def test_unserved_document_is_not_found(group: str, version: str) -> None:
    with pytest.raises(NotFound):
        openapi.document(group, version)
