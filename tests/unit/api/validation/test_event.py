"""core/v1 Event validation."""

from __future__ import annotations

from typing import Any

from .helpers import problems


def event(namespace: str = "default", involved_ns: str = "default", **body: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.17a2b3c4d5e6f7a8", "namespace": namespace},
        "involvedObject": {"kind": "Service", "name": "web", "namespace": involved_ns},
        "reason": "Created",
        "message": "created",
        "type": "Normal",
        "source": {"component": "kubelet"},
        **body,
    }


def test_a_normal_event_is_valid() -> None:
    assert problems(event()) == []
    assert problems(event(involved_ns="")) == []  # cluster-scoped object, default namespace


def test_involved_object_namespace_must_match() -> None:
    assert problems(event(namespace="qa")) == [
        'involvedObject.namespace: Invalid value: "default": does not match event.namespace'
    ]
    assert problems(event(namespace="qa", involved_ns="")) == [
        'involvedObject.namespace: Invalid value: "": does not match event.namespace'
    ]


def test_event_names_only_need_to_be_path_segments() -> None:
    ev = event()
    ev["metadata"]["name"] = "My_Event"
    assert problems(ev) == []
    ev["metadata"]["name"] = "a/b"
    assert problems(ev) == ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]


def test_new_style_events_need_reporting_fields() -> None:
    ev = event(eventTime="2024-01-01T00:00:00.000000Z")
    ev.pop("reason")
    out = problems(ev)
    assert out[0] == "reportingComponent: Required value"
    assert out[1] == 'reportingComponent: Invalid value: "": name part must be non-empty'
    assert out[2].startswith('reportingComponent: Invalid value: "": name part must consist')
    assert out[3:] == [
        "reportingInstance: Required value",
        "action: Required value",
        "reason: Required value",
    ]
    ok = event(
        eventTime="2024-01-01T00:00:00.000000Z",
        reportingComponent="kubelet",
        reportingInstance="tinykube",
        action="Create",
    )
    assert problems(ok) == []
