"""Event rows: ``26s  Normal  Scheduled  pod/web-0  …  Successfully assigned …``.

A port of ``printEvent``. LAST SEEN is ``lastTimestamp``, else FIRST SEEN (which is
``firstTimestamp``, else ``eventTime``); an event with a ``series`` uses its
``lastObservedTime`` and count; singleton events created through events.k8s.io have no
count and show 1. SOURCE falls back to ``reportingController``/``reportingInstance``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import NAME, Cell, Column, Printer, wide
from tinykube.apiserver.tables.duration import since

COLUMNS = (
    Column("Last Seen", description="The time at which the most recent occurrence of this "
           "event was recorded."),
    Column("Type", description="Type of this event (Normal, Warning), new types could be added "
           "in the future"),
    Column("Reason", description="This should be a short, machine understandable string that "
           "gives the reason for the transition into the object's current status."),
    Column("Object", description="The object that this event is about."),
    wide("Subobject", "If referring to a piece of an object instead of an entire object, this "
         "string should contain a valid JSON/Go field access statement, such as "
         "desiredState.manifest.containers[2]."),
    wide("Source", "The component reporting this event. Should be a short machine "
         "understandable string."),
    Column("Message", description="A human-readable description of the status of this "
           "operation."),
    wide("First Seen", "The time at which the event was first recorded. (Time of server "
         "receipt is in TypeMeta.)"),
    wide("Count", "The number of times this event has occurred."),
    Column(NAME.name, format=NAME.format, description=NAME.description, priority=1),
)


def _first_nonempty(*values: object) -> str:
    for v in values:
        if v:
            return str(v)
    return ""


def format_source(event: Obj) -> str:
    source: dict[str, Any] = event.get("source") or {}
    component = _first_nonempty(source.get("component"), event.get("reportingController"))
    instance = _first_nonempty(source.get("host"), event.get("reportingInstance"))
    return f"{component}, {instance}" if instance else component


def target(event: Obj) -> str:
    involved: dict[str, Any] = event.get("involvedObject") or {}
    kind = str(involved.get("kind") or "").lower()
    return f"{kind}/{involved['name']}" if involved.get("name") else kind


def seen_and_count(event: Obj, now: datetime) -> tuple[str, str, int]:
    """(LAST SEEN, FIRST SEEN, COUNT)."""
    first = since(event.get("firstTimestamp"), now)
    if not event.get("firstTimestamp"):
        first = since(event.get("eventTime"), now)
    last = since(event["lastTimestamp"], now) if event.get("lastTimestamp") else first
    count = int(event.get("count") or 0)
    series = event.get("series")
    if series is not None:
        last = since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    return last, first, count


def cells(event: Obj, now: datetime) -> list[Cell]:
    last, first, count = seen_and_count(event, now)
    involved: dict[str, Any] = event.get("involvedObject") or {}
    return [
        last,
        event.get("type") or "",
        event.get("reason") or "",
        target(event),
        involved.get("fieldPath") or "",
        format_source(event),
        str(event.get("message") or "").strip(),
        first,
        count,
        (event.get("metadata") or {}).get("name", ""),
    ]


PRINTER = Printer(COLUMNS, cells)
