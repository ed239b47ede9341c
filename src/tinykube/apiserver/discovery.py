"""Discovery documents: how kubectl learns which resources exist and what to call them.

Two forms, both built from ``api.kinds``:

* aggregated discovery v2 (``/api`` and ``/apis`` with the ``APIGroupDiscoveryList``
  Accept): two requests give kubectl everything. The reply must carry exactly
  ``AGGREGATED_CONTENT_TYPE`` or kubectl misreads it.
* legacy discovery (``APIVersions``, ``APIGroupList`` and one ``APIResourceList`` per
  group-version), kubectl's fallback and what the Python client uses.

Short names make ``svc``/``ep``/``deploy`` resolve, the ``all`` category makes
``kubectl get all`` work. The documents are built once; callers get a fresh copy.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import NotFound

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

STATUS_VERBS = ("get", "patch", "update")


def _gvk(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "version": version, "kind": kind}


def subresource_kind(kind: Kind, sub: str) -> dict[str, str]:
    """The ``responseKind`` of ``kind/sub``, as Kubernetes reports it."""
    if sub == "scale":
        return _gvk("autoscaling", "v1", "Scale")
    if sub == "exec":
        return _gvk(kind.group, kind.version, "PodExecOptions")
    if sub == "attach":
        return _gvk(kind.group, kind.version, "PodAttachOptions")
    return _gvk(kind.group, kind.version, kind.kind)  # status, log


def subresource_verbs(sub: str) -> list[str]:
    if sub == "log":
        return ["get"]
    if sub in ("exec", "attach"):
        return ["create", "get"]
    return list(STATUS_VERBS)


def _aggregated_resource(kind: Kind) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resource": kind.plural,
        "responseKind": _gvk(kind.group, kind.version, kind.kind),
        "scope": "Namespaced" if kind.namespaced else "Cluster",
        "singularResource": kind.singular,
        "verbs": list(kind.verbs),
    }
    if kind.short_names:
        out["shortNames"] = list(kind.short_names)
    if kind.categories:
        out["categories"] = list(kind.categories)
    if kind.subresources:
        out["subresources"] = [
            {
                "subresource": sub,
                "responseKind": subresource_kind(kind, sub),
                "verbs": subresource_verbs(sub),
            }
            for sub in sorted(kind.subresources)
        ]
    return out


def _kinds_of(group: str, version: str) -> list[Kind]:
    found = [k for k in kinds.KINDS if k.group == group and k.version == version]
    return sorted(found, key=lambda k: k.plural)


def _groups(core: bool) -> list[str]:
    """Group names in a stable order: the core group alone, or every named group."""
    names: list[str] = []
    for group, _ in kinds.group_versions():
        if (group == "") == core and group not in names:
            names.append(group)
    return names


def _versions(group: str) -> list[str]:
    return [v for g, v in kinds.group_versions() if g == group]


@cache
def _aggregated(core: bool) -> Obj:
    items = []
    for group in _groups(core):
        versions = [
            {
                "version": version,
                "resources": [_aggregated_resource(k) for k in _kinds_of(group, version)],
                "freshness": "Current",
            }
            for version in _versions(group)
        ]
        items.append({"metadata": {"name": group} if group else {}, "versions": versions})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def aggregated(core: bool) -> Obj:
    """The ``APIGroupDiscoveryList`` for ``/api`` (``core``) or ``/apis``.

    Serve it with the ``AGGREGATED_CONTENT_TYPE`` Content-Type.
    """
    return copy.deepcopy(_aggregated(core))


def api_versions(server_address: str) -> Obj:
    """Legacy ``/api``: the core group's versions and where to reach the server."""
    return {
        "kind": "APIVersions",
        "versions": _versions(""),
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group_entry(group: str) -> dict[str, Any]:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in _versions(group)]
    return {"name": group, "versions": versions, "preferredVersion": dict(versions[0])}


def api_group_list() -> Obj:
    """Legacy ``/apis``: every named group with its preferred version."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_entry(g) for g in _groups(core=False)],
    }


def _legacy_resource(kind: Kind) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": kind.plural,
        "singularName": kind.singular,
        "namespaced": kind.namespaced,
        "kind": kind.kind,
        "verbs": list(kind.verbs),
    }
    if kind.short_names:
        out["shortNames"] = list(kind.short_names)
    if kind.categories:
        out["categories"] = list(kind.categories)
    return out


def _legacy_subresource(kind: Kind, sub: str) -> dict[str, Any]:
    response = subresource_kind(kind, sub)
    out: dict[str, Any] = {
        "name": f"{kind.plural}/{sub}",
        "singularName": "",
        "namespaced": kind.namespaced,
    }
    if (response["group"], response["version"]) != (kind.group, kind.version):
        out["group"], out["version"] = response["group"], response["version"]
    out["kind"] = response["kind"]
    out["verbs"] = subresource_verbs(sub)
    return out


@cache
def _resource_list(group: str, version: str) -> Obj | None:
    found = _kinds_of(group, version)
    if not found:
        return None
    resources: list[dict[str, Any]] = []
    for kind in found:
        resources.append(_legacy_resource(kind))
        resources.extend(_legacy_subresource(kind, s) for s in sorted(kind.subresources))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def resource_list(group: str, version: str) -> Obj:
    """Legacy ``/api/v1`` or ``/apis/<group>/<version>``. Raises ``NotFound`` when unserved."""
    found = _resource_list(group, version)
    if found is None:
        raise NotFound("the server could not find the requested resource")
    return copy.deepcopy(found)
