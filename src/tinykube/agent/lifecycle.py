"""A container's life as the API shows it: states, restarts and crash-loop back-off.

``Container`` is the agent's record of one container of one pod: its current state
(waiting, running or terminated, each with the fields of ``containerStatuses[].state``),
its last termination, restart count, readiness and start. Transitions are methods
(``waiting``, ``running``, ``terminated``) so the record always reads like a Kubernetes
status; ``status()`` renders it.

``should_restart`` is the restart policy (Always, OnFailure, Never). ``Backoff`` is the
kubelet's crash-loop back-off: the first restart is immediate, then 10 s, doubling to a
5-minute cap, reset once the container has stayed up for twice the cap. Pure: times are
passed in (monotonic seconds for decisions, RFC 3339 strings for the status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinykube.api.meta import Obj

INITIAL_BACKOFF = 10.0
MAX_BACKOFF = 300.0


def should_restart(policy: str, exit_code: int) -> bool:
    if policy == "Never":
        return False
    if policy == "OnFailure":
        return exit_code != 0
    return True


class Backoff:
    """When a crashed container may start again."""

    def __init__(self, initial: float = INITIAL_BACKOFF, cap: float = MAX_BACKOFF) -> None:
        self.initial, self.cap = initial, cap
        self.delay: float | None = None
        self._updated = 0.0

    def _expired(self, now: float) -> bool:
        return self.delay is None or now - self._updated > 2 * self.cap

    def wait(self, finished: float, now: float) -> float:
        """Seconds from ``now`` until a container that exited at ``finished`` may restart."""
        if self._expired(finished):
            return 0.0
        assert self.delay is not None
        return max(0.0, finished + self.delay - now)

    def restarted(self, now: float) -> None:
        """Record a restart: the next crash waits longer."""
        if self._expired(now):
            self.delay = self.initial
        else:
            assert self.delay is not None
            self.delay = min(self.delay * 2, self.cap)
        self._updated = now


def exit_reason(code: int) -> str:
    return "Completed" if code == 0 else "Error"


@dataclass
class Container:
    name: str
    image: str
    state: dict[str, Any] = field(default_factory=lambda: {
        "waiting": {"reason": "ContainerCreating"}})
    last_state: dict[str, Any] = field(default_factory=dict)
    restart_count: int = 0
    ready: bool = False
    started: bool = False
    container_id: str = ""
    image_id: str = ""

    # ------------------------------------------------------------------ transitions

    def waiting(self, reason: str, message: str = "") -> None:
        """Waiting (keeps the last termination as ``lastState``)."""
        if "terminated" in self.state:
            self.last_state = {"terminated": self.state["terminated"]}
        w = {"reason": reason}
        if message:
            w["message"] = message
        self.state = {"waiting": w}
        self.ready = self.started = False

    def running(self, container_id: str, started_at: str, *, restarted: bool) -> None:
        if "terminated" in self.state:
            self.last_state = {"terminated": self.state["terminated"]}
        if restarted:
            self.restart_count += 1
        self.container_id = container_id
        self.state = {"running": {"startedAt": started_at}}
        self.ready = self.started = False

    def terminated(self, exit_code: int, finished_at: str, *, reason: str = "",
                   message: str = "") -> None:
        started = (self.state.get("running") or {}).get("startedAt") or finished_at
        t: dict[str, Any] = {"exitCode": exit_code, "reason": reason or exit_reason(exit_code),
                             "startedAt": started, "finishedAt": finished_at}
        if message:
            t["message"] = message
        if self.container_id:
            t["containerID"] = self.container_id
        self.state = {"terminated": t}
        self.ready = self.started = False

    # ------------------------------------------------------------------ reading

    @property
    def is_running(self) -> bool:
        return "running" in self.state

    @property
    def exit_code(self) -> int | None:
        t = self.state.get("terminated")
        return int(t["exitCode"]) if t else None

    @property
    def has_run(self) -> bool:
        """Started at least once (now running, or terminated before)."""
        return "waiting" not in self.state or bool(self.last_state)

    def status(self) -> Obj:
        out: Obj = {
            "name": self.name, "image": self.image, "imageID": self.image_id,
            "ready": self.ready, "started": self.started and self.is_running,
            "restartCount": self.restart_count, "state": self.state,
            "lastState": self.last_state,
        }
        if self.container_id:
            out["containerID"] = self.container_id
        return out

    @classmethod
    def resumed(cls, name: str, image: str, previous: Obj | None) -> Container:
        """A fresh record that keeps the restart count and last termination a previous
        agent published (the API stays the memory across agent restarts)."""
        c = cls(name, image)
        if previous:
            c.restart_count = int(previous.get("restartCount") or 0)
            last = previous.get("lastState") or {}
            state = previous.get("state") or {}
            if "terminated" in state:
                c.last_state = {"terminated": state["terminated"]}
            elif last:
                c.last_state = last
        return c
