"""Kubernetes REST paths, parsed into what they name.

Pure: a path string in, a ``Route`` out (or ``NotFound``). The shapes are Kubernetes':

    /api, /apis, /apis/{group}, /api/v1, /apis/{group}/{version}          discovery
    {gv}/{plural}                          a collection (all namespaces, or cluster-scoped)
    {gv}/namespaces/{ns}/{plural}          a namespaced collection
    {gv}/.../{plural}/{name}[/{sub}]       one object, or one of its subresources
    {gv}/watch/...                         the legacy watch form of any of the above
    /version, /healthz, /livez, /readyz, /openapi/v2, /openapi/v3[/{gv}]

where ``{gv}`` is ``/api/v1`` or ``/apis/{group}/{version}``. ``/api/v1/namespaces/{name}``
is the Namespace object itself, and ``/status`` or ``/finalize`` after it its
subresources. Parsed routes are cached by path: the same few paths come again and again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tinykube.api.kinds import KINDS, NAMESPACE, Kind
from tinykube.errors import NotFound

NOT_FOUND = "the server could not find the requested resource"

_KINDS_BY_GV: dict[tuple[str, str], dict[str, Kind]] = {}
for _k in KINDS:
    _KINDS_BY_GV.setdefault((_k.group, _k.version), {})[_k.plural] = _k

NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
# Served besides the subresources each Kind lists: pods/binding (schedulers) and
# pods/portforward (handed to the pod stream handler like exec and attach).
EXTRA_SUBRESOURCES = {("", "pods"): ("binding", "portforward")}


@dataclass(frozen=True)
class Resource:
    """A collection, an object or a subresource of a served kind.

    ``namespace`` is None for cluster-scoped kinds and for all-namespace collections.
    """

    kind: Kind
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    watch: bool = False  # reached through the legacy /watch/ prefix


@dataclass(frozen=True)
class Endpoint:
    """A path that is not a resource: discovery, OpenAPI, health, version."""

    # root | version | health | api | apis | group | group_version | openapi_v3 | openapi_doc
    what: str
    group: str = ""
    version: str = ""
    check: str = ""  # for health: healthz | livez | readyz


Route = Resource | Endpoint


@lru_cache(maxsize=8192)
def parse(path: str) -> Route:
    """What ``path`` names. Raises ``NotFound`` for anything Kubernetes would 404."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return Endpoint("root")
    head = parts[0]
    if head == "api":
        return _core(parts[1:])
    if head == "apis":
        return _groups(parts[1:])
    return _endpoint(parts)


def _endpoint(parts: list[str]) -> Endpoint:
    head = parts[0]
    if head == "version" and len(parts) == 1:
        return Endpoint("version")
    if head in ("healthz", "livez", "readyz") and len(parts) <= 2:
        return Endpoint("health", check=head)
    if head == "openapi" and len(parts) >= 2 and parts[1] == "v3":
        return _openapi(parts[2:])
    raise NotFound(NOT_FOUND)


def _openapi(rest: list[str]) -> Endpoint:
    if not rest:
        return Endpoint("openapi_v3")
    if rest[0] == "api" and len(rest) == 2:
        return Endpoint("openapi_doc", "", rest[1])
    if rest[0] == "apis" and len(rest) == 3:
        return Endpoint("openapi_doc", rest[1], rest[2])
    raise NotFound(NOT_FOUND)


def _core(rest: list[str]) -> Route:
    if not rest:
        return Endpoint("api")
    return _group_version("", rest[0], rest[1:])


def _groups(rest: list[str]) -> Route:
    if not rest:
        return Endpoint("apis")
    if len(rest) == 1:
        if not any(g == rest[0] for g, _ in _KINDS_BY_GV):
            raise NotFound(NOT_FOUND)
        return Endpoint("group", rest[0])
    return _group_version(rest[0], rest[1], rest[2:])


def _group_version(group: str, version: str, rest: list[str]) -> Route:
    kinds = _KINDS_BY_GV.get((group, version))
    if kinds is None:
        raise NotFound(NOT_FOUND)
    if not rest:
        return Endpoint("group_version", group, version)
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    route = _resource(kinds, rest)
    if watch:
        if route.subresource is not None:
            raise NotFound(NOT_FOUND)
        return Resource(route.kind, route.namespace, route.name, None, True)
    return route


def _resource(kinds: dict[str, Kind], rest: list[str]) -> Resource:
    if len(rest) >= 3 and rest[0] == "namespaces":
        kind = kinds.get(rest[2])
        if kind is not None and kind.namespaced:
            return _item(kind, rest[1], rest[3:])
        if kind is None and rest[2] in NAMESPACE_SUBRESOURCES and len(rest) == 3 \
                and kinds is _KINDS_BY_GV[("", "v1")]:
            return Resource(NAMESPACE, None, rest[1], rest[2])
        raise NotFound(NOT_FOUND)
    if not rest:
        raise NotFound(NOT_FOUND)
    kind = kinds.get(rest[0])
    if kind is None:
        raise NotFound(NOT_FOUND)
    if kind.namespaced and len(rest) > 1:
        raise NotFound(NOT_FOUND)
    return _item(kind, None, rest[1:])


def _item(kind: Kind, namespace: str | None, rest: list[str]) -> Resource:
    if not rest:
        return Resource(kind, namespace)
    if len(rest) == 1:
        return Resource(kind, namespace, rest[0])
    if len(rest) == 2 and rest[1] in _subresources(kind):
        return Resource(kind, namespace, rest[0], rest[1])
    raise NotFound(NOT_FOUND)


def _subresources(kind: Kind) -> tuple[str, ...]:
    extra: tuple[str, ...] = EXTRA_SUBRESOURCES.get((kind.group, kind.plural), ())
    if kind is NAMESPACE:
        extra = ("finalize",)
    return kind.subresources + extra
