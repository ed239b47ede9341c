"""What the controllers ask of a pod: ready, available, active, its IPs.

Kubernetes keeps these answers in ``podutil`` (``IsPodReady``, ``IsPodAvailable``) and
``controller_utils`` (``IsPodActive``); every controller here reads pods through them, so
"ready" means the same thing to the Endpoints controller as to the ReplicaSet's status.
Pure functions over pod objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj

TERMINAL_PHASES = ("Succeeded", "Failed")


def condition(pod: Obj, kind: str) -> dict[str, Any] | None:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == kind:
            return c
    return None


def is_ready(pod: Obj) -> bool:
    c = condition(pod, "Ready")
    return c is not None and c.get("status") == "True"


def phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_running(pod: Obj) -> bool:
    return phase(pod) == "Running"


def is_terminal(pod: Obj) -> bool:
    return phase(pod) in TERMINAL_PHASES


def is_active(pod: Obj) -> bool:
    """Not finished and not being deleted (``controller.IsPodActive``)."""
    return not is_terminal(pod) and not meta.is_terminating(pod)


def node_name(pod: Obj) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def ready_since(pod: Obj) -> datetime | None:
    """When the Ready condition last turned true (None if not ready or unknown)."""
    c = condition(pod, "Ready")
    if c is None or c.get("status") != "True" or not c.get("lastTransitionTime"):
        return None
    try:
        return meta.parse_time(str(c["lastTransitionTime"]))
    except ValueError:
        return None


def available_in(pod: Obj, min_ready_seconds: int, now: datetime) -> float | None:
    """Seconds until the pod counts as available: 0 when it is, None if it is not ready.

    A pod is available once it has been ready for ``minReadySeconds`` (``IsPodAvailable``).
    """
    if not is_ready(pod):
        return None
    if min_ready_seconds <= 0:
        return 0.0
    since = ready_since(pod)
    if since is None:
        return 0.0
    return max(0.0, min_ready_seconds - (now - since).total_seconds())


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    return available_in(pod, min_ready_seconds, now) == 0.0


def ips(pod: Obj) -> list[str]:
    """The pod's IPs: ``status.podIPs`` in order, else ``status.podIP``."""
    status = pod.get("status") or {}
    out = [str(p.get("ip")) for p in status.get("podIPs") or []
           if isinstance(p, dict) and p.get("ip")]
    if not out and status.get("podIP"):
        out = [str(status["podIP"])]
    return out


def restarts(pod: Obj) -> int:
    return sum(int(c.get("restartCount") or 0)
               for c in (pod.get("status") or {}).get("containerStatuses") or []
               if isinstance(c, dict))


def controller_uid(obj: Obj) -> str:
    ref = meta.controller_of(obj)
    return str(ref.get("uid") or "") if ref else ""
