"""The paths that are not resources: version, health, discovery and OpenAPI.

The documents come from ``discovery`` and ``openapi`` and never change while the
server runs, so each is encoded once and answered from bytes afterwards.
``/openapi/v2`` is 404 on purpose: kubectl asks for it only as protobuf and falls back to
its compiled-in types when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from aiohttp import web

from tinykube import KUBERNETES_VERSION, __version__
from tinykube.api.meta import Obj
from tinykube.errors import NotFound, ServiceUnavailable
from tinykube.wire import codec

from . import discovery, openapi, responses
from .negotiation import wants_aggregated
from .routes import NOT_FOUND, Endpoint


def version_info() -> Obj:
    """``/version``: kubectl's dispatcher picks its build from major/minor."""
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": f"tinykube-{__version__}",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_group(group: str) -> Obj:
    for entry in discovery.api_group_list()["groups"]:
        if entry["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **entry}
    raise NotFound(NOT_FOUND)


def root_paths() -> Obj:
    paths = ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz",
             "/version"]
    for entry in discovery.api_group_list()["groups"]:
        paths.append(f"/apis/{entry['name']}")
        paths += [f"/apis/{v['groupVersion']}" for v in entry["versions"]]
    return {"paths": sorted(paths)}


@cache
def _encoded(what: str, group: str = "", version: str = "") -> bytes:
    build: dict[str, Callable[[], Obj]] = {
        "version": version_info,
        "aggregated_api": lambda: discovery.aggregated(True),
        "aggregated_apis": lambda: discovery.aggregated(False),
        "apis": discovery.api_group_list,
        "group": lambda: api_group(group),
        "group_version": lambda: discovery.resource_list(group, version),
        "openapi_v3": openapi.index,
        "openapi_doc": lambda: openapi.document(group, version),
        "root": root_paths,
    }
    return codec.dumps(build[what]())


def serve(route: Endpoint, request: web.Request, ready: bool) -> web.Response:
    """Answer a non-resource path (the caller has authenticated the request)."""
    what = route.what
    if what == "health":
        if route.check == "readyz" and not ready:
            raise ServiceUnavailable("[-]bootstrap not finished or shutting down")
        return responses.text("ok")
    if what in ("api", "apis"):
        if wants_aggregated(request.headers.get("Accept", "")):
            return responses.raw(_encoded(f"aggregated_{what}"),
                                 content_type=discovery.AGGREGATED_CONTENT_TYPE)
        if what == "api":
            return responses.json(discovery.api_versions(request.host))
    return responses.raw(_encoded(what, route.group, route.version))
