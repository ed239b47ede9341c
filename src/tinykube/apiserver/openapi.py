"""The small ``/openapi/v3`` kubectl needs before it will create or apply anything.

kubectl's default ``--validate=strict`` first asks ``/openapi/v3`` whether the server
supports the ``fieldValidation`` query parameter: it looks, per group-version-kind, for a
PATCH operation tagged ``x-kubernetes-group-version-kind`` that declares that parameter.
When it finds one it leaves validation to the server (``fieldValidation=Strict``). So this
module serves exactly that: an index of group-versions and, per group-version, one PATCH
operation per kind, without schemas (kubectl falls back to its compiled-in types).

``/openapi/v2`` is deliberately not served: kubectl asks for it only as protobuf and a 404
is the answer it handles. The ``hash`` in each URL is derived from the package version and
the document, so it changes exactly when the document does.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from typing import Any

from tinykube import KUBERNETES_VERSION, __version__
from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import NotFound


def _path_key(group: str, version: str) -> str:
    """``api/v1`` or ``apis/apps/v1``: the key in the index and the tail of the URL."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _param(name: str, where: str) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "schema": {"type": "string"}}
    if where == "path":
        param["required"] = True
        param["description"] = f"{name} of the resource"
    return param


_QUERY = ("dryRun", "fieldManager", "fieldValidation", "force")


def _patch_operation(kind: Kind) -> dict[str, Any]:
    path_params = ["name", "namespace"] if kind.namespaced else ["name"]
    return {
        "description": f"partially update the specified {kind.kind}",
        "operationId": f"patch{kind.kind}",
        "parameters": [_param(p, "path") for p in path_params]
        + [_param(q, "query") for q in _QUERY],
        "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {
            "group": kind.group,
            "version": kind.version,
            "kind": kind.kind,
        },
    }


def _item_path(kind: Kind) -> str:
    """``/api/v1/namespaces/{namespace}/services/{name}`` or ``/api/v1/nodes/{name}``."""
    prefix = f"/{_path_key(kind.group, kind.version)}"
    if kind.namespaced:
        return f"{prefix}/namespaces/{{namespace}}/{kind.plural}/{{name}}"
    return f"{prefix}/{kind.plural}/{{name}}"


def _build_document(group: str, version: str) -> Obj | None:
    served = [k for k in kinds.KINDS if (k.group, k.version) == (group, version)]
    if not served:
        return None
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": {_item_path(k): {"patch": _patch_operation(k)} for k in served},
        "components": {"schemas": {}},
    }


def content_hash(doc: Obj) -> str:
    """A stable, opaque hash of one document (uppercase hex, like kube-apiserver's)."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha512(f"{__version__}\n{canonical}".encode()).hexdigest().upper()


@cache
def _documents() -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    for group, version in kinds.group_versions():
        doc = _build_document(group, version)
        if doc is not None:
            out[_path_key(group, version)] = doc
    return out


def index() -> Obj:
    """``GET /openapi/v3``: one ``serverRelativeURL`` (with ``?hash=``) per group-version."""
    return {
        "paths": {
            key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={content_hash(doc)}"}
            for key, doc in _documents().items()
        }
    }


def document(group: str, version: str) -> Obj:
    """``GET /openapi/v3/api/v1`` or ``/openapi/v3/apis/<group>/<version>``.

    The ``hash`` query parameter may be ignored: the content only changes with the
    package. Raises ``NotFound`` for a group-version that is not served.
    """
    doc = _documents().get(_path_key(group, version))
    if doc is None:
        raise NotFound("the server could not find the requested resource")
    return copy.deepcopy(doc)
