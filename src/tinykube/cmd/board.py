"""The components' states as the running ``up`` sees them, published for ``tinykube status``.

``up`` supervises its components in one process; only it knows that the proxy failed and
is waiting to start again, or that the node agent ended. It keeps one ``Board`` and, on
every change of state, rewrites a small JSON file in the data dir (a temporary file and a
rename, so a reader sees the old file or the new one, never half of one). ``status``
reads it with no network listener and no API call. Changes are rare (start, failure,
restart, stop), so writing synchronously from the event loop costs nothing worth a thread.

    {"pid": 4242, "started": "2024-05-01T10:00:00Z", "node": "tinykube-control-plane",
     "publishedOn": ["127.0.0.1"],
     "components": [{"name": "proxy", "detail": "nftables", "state": "restarting",
                     "since": "...", "restarts": 2, "error": "nft: syntax error"}, ...]}

A component is ``starting`` until its start step ends, then ``running``; a failed ``run``
makes it ``restarting`` (with the error, one line) until the supervisor runs it again,
which counts a restart and keeps the error as the last one; ``failed`` is for what does
not come back (a start step that raised, the node agent ending); ``off`` is for what this
machine does not run (not root); ``stopping`` once ``up`` shuts down. The file is removed
after a clean stop; a crashed run's file names a pid that no longer holds the data dir.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast, get_args

log = logging.getLogger(__name__)

State = Literal["starting", "running", "restarting", "failed", "off", "stopping"]
STATES: tuple[State, ...] = get_args(State)
ERROR_MAX = 200  # characters of an error kept: one line a terminal can show


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(error: BaseException | str) -> str:
    """An error as one short line: its message (or its type when it has none)."""
    text = str(error).strip()
    if isinstance(error, BaseException) and not text:
        text = type(error).__name__
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= ERROR_MAX else first[: ERROR_MAX - 1] + "…"


@dataclass(frozen=True)
class Component:
    name: str
    state: State
    since: str  # RFC 3339, UTC
    detail: str = ""  # what it is here: "sqlite", "nftables", "10.96.0.10"; why it is off
    restarts: int = 0
    error: str = ""  # the last error, one line (kept after a restart)


@dataclass(frozen=True)
class Snapshot:
    """What one ``up`` published: who it is, and each component's state."""

    pid: int
    started: str
    components: tuple[Component, ...]
    node: str = ""  # the node this cluster runs; "" when the node part is off
    published_on: tuple[str, ...] = ()  # host addresses NodePorts are published on

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)


def encode(s: Snapshot) -> str:
    return json.dumps({
        "pid": s.pid,
        "started": s.started,
        "node": s.node,
        "publishedOn": list(s.published_on),
        "components": [_component_json(c) for c in s.components],
    }, indent=1) + "\n"


def _component_json(c: Component) -> dict[str, Any]:
    return {"name": c.name, "detail": c.detail, "state": c.state, "since": c.since,
            "restarts": c.restarts, "error": c.error}


def decode(text: str) -> Snapshot:
    """The snapshot in ``text``; ValueError when it is not one."""
    try:
        doc = json.loads(text)
        return Snapshot(
            pid=int(doc["pid"]),
            started=str(doc["started"]),
            node=str(doc.get("node", "")),
            published_on=tuple(str(a) for a in doc.get("publishedOn", [])),
            components=tuple(_component(c) for c in doc["components"]),
        )
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"not a components file: {e!r}") from e


def _component(doc: dict[str, Any]) -> Component:
    state = doc["state"]
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    return Component(name=str(doc["name"]), state=cast(State, state), since=str(doc["since"]),
                     detail=str(doc.get("detail", "")), restarts=int(doc.get("restarts", 0)),
                     error=str(doc.get("error", "")))


def load(path: Path) -> Snapshot | None:
    """The published snapshot, or None when there is none (or it cannot be read)."""
    try:
        return decode(path.read_text())
    except (OSError, ValueError) as e:
        log.debug("no components file %s: %s", path, e)
        return None


class Board:
    """The live states of one ``up``'s components, written to ``path`` on every change."""

    def __init__(self, path: Path, *, pid: int, node: str = "",
                 published_on: tuple[str, ...] = (),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = path
        self._clock = clock
        self._snapshot = Snapshot(pid, timestamp(clock()), (), node, published_on)
        self._warned = False

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def declare(self, name: str, detail: str = "", *, off: str = "") -> None:
        """A component ``up`` will start (``starting``), or one that is off and why."""
        state: State = "off" if off else "starting"
        self._put(Component(name, state, self._now(), detail=off or detail))

    def starting(self, name: str) -> None:
        self._change(name, state="starting", since=self._now())

    def started(self, name: str) -> None:
        """Its start step ended: ``running``, unless it failed meanwhile (the supervisor
        has said so already, and a restart will say ``running``)."""
        if self._state(name) == "starting":
            self._change(name, state="running", since=self._now())

    def restarting(self, name: str, error: str) -> None:
        self._change(name, state="restarting", since=self._now(), error=error)

    def rerun(self, name: str) -> None:
        """The supervisor runs it again after a failure: one more restart."""
        c = self._get(name)
        if c is not None:
            self._put(replace(c, state="running", since=self._now(), restarts=c.restarts + 1))

    def failed(self, name: str, error: str) -> None:
        self._change(name, state="failed", since=self._now(), error=error)

    def stopping(self) -> None:
        now = self._now()
        self._publish(replace(self._snapshot, components=tuple(
            c if c.state == "off" else replace(c, state="stopping", since=now)
            for c in self._snapshot.components)))

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """``starting`` for the length of a start step, then ``running`` or ``failed``."""
        self.starting(name)
        try:
            yield
        except BaseException as e:
            self.failed(name, one_line(e))
            raise
        self.started(name)

    def remove(self) -> None:
        """Take the file away (a clean stop): nothing is running any more."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as e:
            log.warning("cannot remove %s: %s", self.path, e)

    # ------------------------------------------------------------------ internals

    def _now(self) -> str:
        return timestamp(self._clock())

    def _get(self, name: str) -> Component | None:
        return self._snapshot.component(name)

    def _state(self, name: str) -> State | None:
        c = self._get(name)
        return c.state if c is not None else None

    def _change(self, name: str, **changes: Any) -> None:
        c = self._get(name)
        if c is not None:
            self._put(replace(c, **changes))

    def _put(self, c: Component) -> None:
        others = self._snapshot.components
        if any(o.name == c.name for o in others):
            components = tuple(c if o.name == c.name else o for o in others)
        else:
            components = (*others, c)
        self._publish(replace(self._snapshot, components=components))

    def _publish(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        try:
            write_atomic(self.path, encode(snapshot))
        except OSError as e:
            if not self._warned:  # status will say the states are unknown; once is enough
                log.warning("cannot publish component states to %s: %s", self.path, e)
                self._warned = True


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary file, then a rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
