from __future__ import annotations

from datetime import datetime

from tinykube.cli.describe import writer
from tinykube.cli.describe.writer import PrefixWriter

NOW = datetime.fromisoformat("2024-01-01T01:00:00+00:00")


def _page(fn: object, *args: object) -> str:
    w = PrefixWriter()
    w.write(0, "Name:\tx\n")
    assert callable(fn)
    fn(w, *args)
    return w.text()


def test_labels_continue_on_aligned_lines() -> None:
    text = _page(writer.labels_multiline, "Labels", {"b": "2", "a": "1"})
    assert text == "Name:    x\nLabels:  a=1\n         b=2\n"


def test_annotations_hide_last_applied_and_fold_long_values() -> None:
    long = "v" * 200
    text = _page(writer.annotations_multiline, "Annotations",
                 {writer.LAST_APPLIED: "{}", "long": long, "z": "short"})
    lines = text.splitlines()
    assert lines[1] == "Annotations:  long:"
    assert lines[2] == "                " + "v" * 138 + "..."
    assert lines[3] == "              z: short"
    assert _page(writer.annotations_multiline, "Annotations",
                 {writer.LAST_APPLIED: "{}"}).endswith("Annotations:  <none>\n")


def test_tolerations() -> None:
    tols = [{"key": "b", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5},
            {"operator": "Exists"}, {"key": "a", "value": "1"}]
    text = _page(writer.tolerations_multiline, "Tolerations", tols)
    assert text.splitlines()[1:] == ["Tolerations:  op=Exists", "              a=1",
                                     "              b:NoSchedule op=Exists for 5s"]


def test_events_table_sorted_by_last_seen_with_counts() -> None:
    events = [
        {"type": "Normal", "reason": "B", "message": " later ", "count": 3,
         "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:59:00Z",
         "source": {"component": "ctl"}},
        {"type": "Warning", "reason": "A", "message": "first",
         "firstTimestamp": "2024-01-01T00:30:00Z", "lastTimestamp": "2024-01-01T00:30:00Z",
         "reportingComponent": "rc"},
    ]
    text = _page(writer.events, events, NOW)
    assert text.splitlines()[1:] == [
        "Events:",
        "  Type     Reason  Age                From  Message",
        "  ----     ------  ----               ----  -------",
        "  Warning  A       30m                rc    first",
        "  Normal   B       60s (x3 over 60m)  ctl   later",
    ]


def test_no_events() -> None:
    assert _page(writer.events, [], NOW) == "Name:    x\nEvents:  <none>\n"


def test_event_age_uses_series_when_present() -> None:
    e = {"eventTime": "2024-01-01T00:00:00.000000Z",
         "series": {"count": 4, "lastObservedTime": "2024-01-01T00:50:00.000000Z"}}
    assert writer.event_age(e, NOW) == "10m (x4 over 60m)"
    assert writer.event_age({}, NOW) == "<unknown>"
