from __future__ import annotations

import pytest

from tinykube.api.kinds import DEPLOYMENT, NAMESPACE, NODE, POD, SERVICE
from tinykube.apiserver.routes import Endpoint, Resource, parse
from tinykube.errors import NotFound


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("/api/v1/namespaces/default/services", Resource(SERVICE, "default")),
        ("/api/v1/services", Resource(SERVICE)),
        ("/api/v1/namespaces/default/services/web", Resource(SERVICE, "default", "web")),
        ("/api/v1/namespaces/default/services/web/status",
         Resource(SERVICE, "default", "web", "status")),
        ("/api/v1/namespaces", Resource(NAMESPACE)),
        ("/api/v1/namespaces/default", Resource(NAMESPACE, None, "default")),
        ("/api/v1/namespaces/dev/status", Resource(NAMESPACE, None, "dev", "status")),
        ("/api/v1/namespaces/dev/finalize", Resource(NAMESPACE, None, "dev", "finalize")),
        ("/api/v1/nodes/n1/status", Resource(NODE, None, "n1", "status")),
        ("/apis/apps/v1/namespaces/a/deployments/d/scale",
         Resource(DEPLOYMENT, "a", "d", "scale")),
        ("/apis/apps/v1/deployments", Resource(DEPLOYMENT)),
        ("/api/v1/namespaces/a/pods/p/log", Resource(POD, "a", "p", "log")),
        ("/api/v1/namespaces/a/pods/p/binding", Resource(POD, "a", "p", "binding")),
        ("/api/v1/watch/namespaces/a/services", Resource(SERVICE, "a", watch=True)),
        ("/api/v1/watch/namespaces/a/services/s", Resource(SERVICE, "a", "s", watch=True)),
    ],
)
def test_resource_paths(path: str, want: Resource) -> None:
    assert parse(path) == want


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("/", Endpoint("root")),
        ("/version", Endpoint("version")),
        ("/healthz", Endpoint("health", check="healthz")),
        ("/readyz", Endpoint("health", check="readyz")),
        ("/api", Endpoint("api")),
        ("/apis", Endpoint("apis")),
        ("/apis/apps", Endpoint("group", "apps")),
        ("/api/v1", Endpoint("group_version", "", "v1")),
        ("/apis/discovery.k8s.io/v1", Endpoint("group_version", "discovery.k8s.io", "v1")),
        ("/openapi/v3", Endpoint("openapi_v3")),
        ("/openapi/v3/api/v1", Endpoint("openapi_doc", "", "v1")),
        ("/openapi/v3/apis/apps/v1", Endpoint("openapi_doc", "apps", "v1")),
    ],
)
def test_endpoints(path: str, want: Endpoint) -> None:
    assert parse(path) == want


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/services",
        "/api/v1/widgets",
        "/apis/nope/v1/things",
        "/apis/nope",
        "/api/v1/namespaces/default/nodes",  # nodes are cluster-scoped
        "/api/v1/services/web",  # namespaced objects need their namespace
        "/api/v1/namespaces/default/services/web/scale",  # services have no scale
        "/api/v1/namespaces/default/services/web/status/more",
        "/openapi/v2",
        "/metrics",
        "/api/v1/watch/namespaces/a/services/s/status",
    ],
)
def test_unknown_paths_are_not_found(path: str) -> None:
    with pytest.raises(NotFound) as e:
        parse(path)
    assert e.value.message == "the server could not find the requested resource"
