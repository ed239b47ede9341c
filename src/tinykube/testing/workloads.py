"""Builders of Services, pods and workloads for the controllers' tests.

Short calls that return the JSON a user would send (``service("web", {"app": "web"})``,
``pod("web-1", {"app": "web"}, ip="10.244.0.5", ready=True)``), plus ``pod_status`` for
what a node agent would report, so tests can move a pod through its life by hand.
"""

from __future__ import annotations

from typing import Any

from tinykube.api.meta import Obj

TIME = "2024-01-01T00:00:00Z"


def port(port: int, name: str = "", target: int | str | None = None,
         protocol: str = "TCP") -> dict[str, Any]:
    out: dict[str, Any] = {"port": port, "protocol": protocol,
                           "targetPort": port if target is None else target}
    if name:
        out["name"] = name
    return out


def service(name: str, selector: dict[str, str] | None = None, *,
            ports: list[dict[str, Any]] | None = None, namespace: str = "default",
            labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    """A Service; extra keyword arguments are spec fields (``clusterIP="None"``...)."""
    body: dict[str, Any] = {"ports": [port(80)] if ports is None else ports}
    if selector is not None:
        body["selector"] = selector
    body.update(spec)
    md: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": body}


def container(name: str = "app", image: str = "nginx",
              ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": image}
    if ports:
        out["ports"] = ports
    return out


def pod_status(ip: str | None = None, *, ready: bool = False, phase: str = "Running",
               since: str = TIME) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False",
         "lastTransitionTime": since},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": since},
    ]}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return status


def pod(name: str, labels: dict[str, str] | None = None, *, ip: str | None = None,
        ready: bool = False, namespace: str = "default", node: str = "",
        containers: list[dict[str, Any]] | None = None, phase: str = "Running",
        **spec: Any) -> Obj:
    """A pod; with ``ip`` it also carries a status as if a node agent had run it."""
    body: dict[str, Any] = {"containers": containers or [container()]}
    if node:
        body["nodeName"] = node
    body.update(spec)
    out: Obj = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
                "spec": body}
    if ip is not None:
        out["status"] = pod_status(ip, ready=ready, phase=phase)
    return out


def template(labels: dict[str, str], image: str = "nginx",
             ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": [container("app", image, ports)]}}


def deployment(name: str, labels: dict[str, str], replicas: int = 1, *,
               namespace: str = "default", image: str = "nginx", **spec: Any) -> Obj:
    body: dict[str, Any] = {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                            "template": template(labels, image)}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace}, "spec": body}


def statefulset(name: str, labels: dict[str, str], replicas: int = 1, *,
                service_name: str = "", namespace: str = "default", image: str = "nginx",
                **spec: Any) -> Obj:
    body: dict[str, Any] = {"replicas": replicas, "serviceName": service_name or name,
                            "selector": {"matchLabels": dict(labels)},
                            "template": template(labels, image)}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": namespace}, "spec": body}


def node(name: str = "node-1", *, ready: bool = True, **spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": dict(spec),
            "status": {"conditions": [{"type": "Ready",
                                       "status": "True" if ready else "False"}]}}
