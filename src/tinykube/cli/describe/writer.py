"""The text machinery every describer shares: kubectl's ``PrefixWriter`` and its helpers.

A describer writes ``Label:\\tvalue`` lines at indentation levels (two spaces each) and the
result goes through Go's tabwriter (padding 2), exactly like kubectl's ``tabbedString``.
The helpers print what every kind has: labels and annotations on aligned continuation
lines (``last-applied-configuration`` hidden, long values folded), tolerations, and the
``Events:`` table with its ``Type/Reason/Age/From/Message`` columns and
``5m (x3 over 10m)`` ages. Pure: the caller passes the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.cli import age
from tinykube.cli.tabwriter import describe_writer

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION = 140


class PrefixWriter:
    """Collects ``write(level, text)``; ``text()`` is the aligned result."""

    def __init__(self) -> None:
        self._tw = describe_writer()
        self._done: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._tw.write("  " * level + text)

    def line(self, text: str) -> None:
        """kubectl's ``WriteLine``: text and a newline, no indentation."""
        self._tw.write(text + "\n")

    def flush(self) -> None:
        self._done.append(self._tw.flush())

    def text(self) -> str:
        self.flush()
        return "".join(self._done)


def labels_multiline(w: PrefixWriter, title: str, labels: Mapping[str, Any] | None,
                     *, initial: str = "", inner: str = "\t") -> None:
    """``Labels:\\ta=1`` then ``\\tb=2`` on the next lines, or ``<none>``."""
    w.write(0, f"{initial}{title}:{inner}")
    keys = sorted((labels or {}).keys())
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, initial + inner)
        w.write(0, f"{key}={_str((labels or {})[key])}\n")


def labels_and_annotations(w: PrefixWriter, md: Obj) -> None:
    """An object's ``Labels:`` and ``Annotations:`` lines, which describers print together."""
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))


def annotations_multiline(w: PrefixWriter, title: str,
                          annotations: Mapping[str, Any] | None) -> None:
    """Like labels, without last-applied-configuration; long or multi-line values fold."""
    w.write(0, f"{title}:\t")
    items = annotations or {}
    keys = sorted(k for k in items if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = _str(items[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                w.write(0, f"\t  {_shorten(part, MAX_ANNOTATION - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _shorten(s: str, n: int) -> str:
    return s[:n] + "..." if len(s) > n else s


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: list[Obj] | None) -> None:
    w.write(0, f"{title}:\t")
    items = sorted(tolerations or [], key=lambda t: str(t.get("key") or ""))
    if not items:
        w.line("<none>")
        return
    for i, t in enumerate(items):
        if i:
            w.write(0, "\t")
        key, value, effect = (str(t.get(f) or "") for f in ("key", "value", "effect"))
        text = key + (f"={value}" if value else "") + (f":{effect}" if effect else "")
        if t.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def events(w: PrefixWriter, items: list[Obj] | None, now: datetime) -> None:
    """``Events:  <none>`` or kubectl's events table, oldest last-seen first."""
    if not items:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in sorted(items, key=_last_seen):
        source = str((e.get("source") or {}).get("component") or "") or \
            str(e.get("reportingComponent") or "")
        w.write(1, f"{_str(e.get('type'))}\t{_str(e.get('reason'))}\t{event_age(e, now)}\t"
                   f"{source}\t{_str(e.get('message')).strip()}\n")


def _last_seen(e: Obj) -> datetime:
    return age.parse(e.get("lastTimestamp")) or datetime.min.replace(tzinfo=UTC)


def event_age(e: Obj, now: datetime) -> str:
    """``5m`` or ``2m (x3 over 10m)``: when it was last seen, how often, since when."""
    first = age.since(e.get("eventTime"), now) if e.get("eventTime") else \
        age.since(e.get("firstTimestamp"), now)
    series = e.get("series")
    if isinstance(series, dict):
        last = age.since(series.get("lastObservedTime"), now)
        return f"{last} (x{series.get('count', 0)} over {first})"
    count = e.get("count") or 0
    if isinstance(count, int) and count > 1:
        return f"{age.since(e.get('lastTimestamp'), now)} (x{count} over {first})"
    return first
