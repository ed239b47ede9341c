"""Kubernetes ``Status`` bodies: how every API error travels.

kubectl discards a body without ``kind: Status`` and ``apiVersion: v1``, and rebuilds
422 messages from ``details.kind``, ``details.name`` and ``details.causes``; so every
error the API returns goes through ``body``.
"""

from __future__ import annotations

from typing import Any

from tinykube.errors import ApiError


def body(err: ApiError) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": err.message,
        "reason": err.reason,
        "code": err.code,
    }
    details = err.details()
    if details:
        out["details"] = details
    return out


def success(name: str, kind: str, group: str = "", uid: str = "") -> dict[str, Any]:
    """The ``Status`` returned by a delete that left nothing to return."""
    details: dict[str, Any] = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    if uid:
        details["uid"] = uid
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
