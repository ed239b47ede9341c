"""Startup, liveness and readiness probes: their settings and the kubelet's result rules.

A ``ProbeSpec`` is a probe of the pod spec with its defaults applied; a ``ProbeState``
turns individual check outcomes into the probe's result the way the kubelet's prober
worker does:

- the result only flips after ``failureThreshold`` consecutive failures or
  ``successThreshold`` consecutive successes (a run of equal outcomes);
- readiness and startup start as failure (not ready, not started), liveness as success;
- no probe runs before ``initialDelaySeconds`` after the container started, and liveness
  and readiness wait until the startup probe has succeeded; a startup probe stops after
  its first success.

``schedule`` says when the next check is due. The loop that runs the checks is in
``prober.py``; the checks themselves (HTTP, TCP, exec) in ``probecheck.py``. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tinykube.api.meta import Obj

ProbeKind = Literal["startup", "liveness", "readiness"]
KINDS: tuple[ProbeKind, ...] = ("startup", "liveness", "readiness")
FIELDS: dict[ProbeKind, str] = {
    "startup": "startupProbe", "liveness": "livenessProbe", "readiness": "readinessProbe",
}


@dataclass(frozen=True)
class ProbeSpec:
    kind: ProbeKind
    handler: Obj                 # one of httpGet, tcpSocket, exec, grpc: {"httpGet": {...}}
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3
    termination_grace: int | None = None  # probe-level terminationGracePeriodSeconds

    @property
    def action(self) -> str:
        for key in ("httpGet", "tcpSocket", "exec", "grpc"):
            if key in self.handler:
                return key
        return ""


def specs(container: Obj) -> dict[ProbeKind, ProbeSpec]:
    """The container's probes, by kind."""
    out: dict[ProbeKind, ProbeSpec] = {}
    for kind in KINDS:
        raw = container.get(FIELDS[kind])
        if isinstance(raw, dict):
            out[kind] = spec(kind, raw)
    return out


def spec(kind: ProbeKind, raw: Obj) -> ProbeSpec:
    handler = {k: v for k, v in raw.items()
               if k in ("httpGet", "tcpSocket", "exec", "grpc")}
    success = _int(raw, "successThreshold", 1)
    if kind in ("liveness", "startup"):
        success = 1  # validation demands it; be lenient with older objects
    grace = raw.get("terminationGracePeriodSeconds")
    return ProbeSpec(
        kind=kind, handler=handler,
        initial_delay=float(_int(raw, "initialDelaySeconds", 0)),
        period=float(max(1, _int(raw, "periodSeconds", 10))),
        timeout=float(max(1, _int(raw, "timeoutSeconds", 1))),
        success_threshold=max(1, success),
        failure_threshold=max(1, _int(raw, "failureThreshold", 3)),
        termination_grace=grace if isinstance(grace, int) else None,
    )


# A stand-in server (see images.py) is "started" once its port accepts: checked every
# 50 ms for up to 30 s, unless the container declares its own startup probe.
SERVING_PERIOD = 0.05
SERVING_ATTEMPTS = 600


def serving(port: int) -> ProbeSpec:
    """The implicit startup probe of a stand-in that serves ``port``."""
    return ProbeSpec(kind="startup", handler={"tcpSocket": {"port": port}},
                     period=SERVING_PERIOD, timeout=1.0,
                     failure_threshold=SERVING_ATTEMPTS)


def _int(raw: Obj, key: str, default: int) -> int:
    value: Any = raw.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class ProbeState:
    """The result of one probe of one container run, fed with check outcomes."""

    def __init__(self, spec: ProbeSpec) -> None:
        self.spec = spec
        # Liveness passes until proven otherwise; readiness and startup start as failures
        # (not ready, not started).
        self.success = spec.kind == "liveness"
        self.checked = False       # a threshold has been reached at least once
        self._last: bool | None = None
        self._run = 0
        self.last_message = ""

    def record(self, ok: bool, message: str = "") -> bool:
        """Feed one outcome; True when the probe's result changed."""
        self.last_message = message
        if ok == self._last:
            self._run += 1
        else:
            self._last, self._run = ok, 1
        needed = self.spec.success_threshold if ok else self.spec.failure_threshold
        if self._run < needed:
            return False
        changed = ok != self.success
        self.success, self.checked = ok, True
        return changed

    @property
    def failed(self) -> bool:
        """A liveness or startup probe that wants the container restarted."""
        return self.checked and not self.success and self.spec.kind != "readiness"

    @property
    def done(self) -> bool:
        """A startup probe stops after its first success."""
        return self.spec.kind == "startup" and self.checked and self.success


def first_delay(spec: ProbeSpec, running_for: float) -> float:
    """Seconds from now until the first check of a container running for ``running_for``."""
    return max(0.0, spec.initial_delay - running_for)
