from datetime import UTC, datetime
from typing import Any

from tinykube.apiserver.tables import event

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)


def ev(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "metadata": {"name": "my-nginx.1800c", "namespace": "default"},
        "involvedObject": {"kind": "Service", "name": "my-nginx", "namespace": "default"},
        "reason": "Type",
        "type": "Normal",
        "message": "  ClusterIP -> NodePort\n",
        "source": {"component": "service-controller"},
    }
    base.update(fields)
    return base


def test_columns() -> None:
    assert [(c.name, c.priority, c.format) for c in event.COLUMNS] == [
        ("Last Seen", 0, ""), ("Type", 0, ""), ("Reason", 0, ""), ("Object", 0, ""),
        ("Subobject", 1, ""), ("Source", 1, ""), ("Message", 0, ""), ("First Seen", 1, ""),
        ("Count", 1, ""), ("Name", 1, "name"),
    ]


def test_core_event_row() -> None:
    obj = ev(firstTimestamp="2026-11-22T08:00:00Z", lastTimestamp="2026-11-22T08:09:34Z",
             count=4)
    assert event.cells(obj, NOW) == [
        "26s", "Normal", "Type", "service/my-nginx", "", "service-controller",
        "ClusterIP -> NodePort", "10m", 4, "my-nginx.1800c",
    ]


def test_last_seen_falls_back_to_first_then_event_time() -> None:
    assert event.cells(ev(firstTimestamp="2026-11-22T08:05:00Z"), NOW)[0] == "5m"
    obj = ev(eventTime="2026-11-22T08:09:00.000000Z")
    cells = event.cells(obj, NOW)
    assert cells[0] == "60s" and cells[7] == "60s"
    assert cells[8] == 1  # singleton events have no count


def test_series_wins() -> None:
    obj = ev(eventTime="2026-11-22T07:00:00.000000Z",
             series={"count": 7, "lastObservedTime": "2026-11-22T08:08:00.000000Z"})
    cells = event.cells(obj, NOW)
    assert cells[0] == "2m" and cells[8] == 7


def test_no_times_at_all() -> None:
    assert event.cells(ev(), NOW)[0] == "<unknown>"


def test_source_falls_back_to_reporting_fields() -> None:
    obj = ev(source={}, reportingController="kubelet", reportingInstance="node-1")
    assert event.cells(obj, NOW)[5] == "kubelet, node-1"
    obj = ev(source={"component": "kubelet", "host": "node-2"}, reportingInstance="x")
    assert event.cells(obj, NOW)[5] == "kubelet, node-2"


def test_object_without_name_and_subobject() -> None:
    obj = ev(involvedObject={"kind": "Node", "fieldPath": "spec.containers{c}"})
    cells = event.cells(obj, NOW)
    assert cells[3] == "node" and cells[4] == "spec.containers{c}"
