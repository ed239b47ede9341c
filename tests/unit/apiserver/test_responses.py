from __future__ import annotations

from tinykube.apiserver.responses import error, json, warning
from tinykube.errors import NotFound


def test_warning_quotes_are_escaped() -> None:
    assert warning('unknown field "spec.bogus"') == r'299 - "unknown field \"spec.bogus\""'
    assert warning("a\\b\nc") == r'299 - "a\\b c"'


def test_every_warning_is_its_own_header() -> None:
    resp = json({}, warnings=["a", "b"])
    assert resp.headers.getall("Warning") == ['299 - "a"', '299 - "b"']
    assert resp.headers["Content-Type"] == "application/json"


def test_errors_are_status_bodies() -> None:
    resp = error(NotFound('services "x" not found', name="x", kind="services"))
    assert resp.status == 404
    assert resp.body is not None and b'"kind":"Status"' in bytes(resp.body)  # type: ignore[arg-type]
