"""Service objects for the allocation tests."""

from __future__ import annotations

import copy
import random
from typing import Any

from tinykube.apiserver.allocation import ServiceAllocator


def allocator(cidr: str = "10.96.0.0/12", ports: tuple[int, int] = (30000, 32767),
              seed: int = 1) -> ServiceAllocator:
    return ServiceAllocator(cidr, ports, rng=random.Random(seed))


def service(name: str = "my-nginx", *, type_: str = "ClusterIP",
            ports: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "ports": ports if ports is not None else [{"port": 80, "protocol": "TCP"}],
        "selector": {"run": name},
    }
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"}, "spec": body, "status": {}}


def created(alloc: ServiceAllocator, svc: dict[str, Any]) -> dict[str, Any]:
    """Allocate and commit a create; returns the stored object."""
    alloc.allocate(svc).commit()
    return copy.deepcopy(svc)


def updated(alloc: ServiceAllocator, new: dict[str, Any], old: dict[str, Any]) -> Any:
    """prepare_update + allocate, as the API server does; returns the transaction."""
    alloc.prepare_update(new, old)
    return alloc.allocate(new, old)
