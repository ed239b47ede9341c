"""Builders for validation tests: defaulted objects and causes as ``field: message`` lines."""

from __future__ import annotations

import copy
from typing import Any

from tinykube.api import defaults, validation
from tinykube.errors import Cause


def problems(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    """Every cause as kubectl prints it: ``<field>: <message>``."""
    causes = validation.validate(obj) if old is None else validation.validate_update(obj, old)
    return [f"{c.field}: {c.message}" for c in causes]


def causes(obj: dict[str, Any]) -> list[Cause]:
    return validation.validate(obj)


def service(
    spec: dict[str, Any] | None = None, name: str = "web", **metadata: Any
) -> dict[str, Any]:
    """A defaulted Service in ``default`` with one port unless ``spec`` says otherwise."""
    body: dict[str, Any] = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    body.update(copy.deepcopy(spec or {}))
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", **metadata},
        "spec": body,
    }
    defaults.apply(obj)
    return obj


def allocated(svc: dict[str, Any], ip: str = "10.96.0.10") -> dict[str, Any]:
    """The Service as the allocator leaves it (single-stack IPv4)."""
    out = copy.deepcopy(svc)
    spec = out["spec"]
    if spec["type"] != "ExternalName":
        spec.setdefault("clusterIP", ip)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    out["metadata"].setdefault("uid", "u-1")
    out["metadata"].setdefault("resourceVersion", "5")
    return out


def pod(spec: dict[str, Any] | None = None, name: str = "p", **metadata: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.25"}]}
    body.update(copy.deepcopy(spec or {}))
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", **metadata},
        "spec": body,
    }
    defaults.apply(obj)
    return obj


def workload(kind: str, spec: dict[str, Any] | None = None, name: str = "web") -> dict[str, Any]:
    body: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]},
        },
    }
    if kind == "StatefulSet":
        body["serviceName"] = "web"
    body.update(copy.deepcopy(spec or {}))
    obj = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default"},
        "spec": body,
    }
    defaults.apply(obj)
    return obj
