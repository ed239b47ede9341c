"""``validation.validate`` / ``validate_update`` / ``warnings`` dispatch and robustness."""

from __future__ import annotations

from typing import Any

import pytest

from tinykube.api import validation
from tinykube.api.kinds import KINDS

from .helpers import pod, service


def test_unknown_kinds_have_no_rules() -> None:
    assert validation.validate({"apiVersion": "v1", "kind": "ConfigMap"}) == []
    assert validation.validate_update({"apiVersion": "v1", "kind": "ConfigMap"}, {}) == []
    assert validation.warnings(pod()) == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"metadata": None, "spec": None},
        {"metadata": {"name": 5, "labels": [1]}, "spec": {"ports": "x", "containers": [1, None]}},
        {"spec": {"selector": [], "template": "x", "ports": [{"port": "80", "targetPort": None}]}},
        {"subsets": [None, {"addresses": "x"}], "endpoints": [{"addresses": [1]}], "ports": [3]},
    ],
)
def test_mistyped_objects_never_crash(kind: Any, body: dict[str, Any]) -> None:
    obj = {"apiVersion": kind.api_version, "kind": kind.kind, **body}
    for causes in (validation.validate(obj), validation.validate_update(obj, obj)):
        assert isinstance(causes, list)
    assert isinstance(validation.warnings(obj), list)


def test_validate_update_includes_create_rules() -> None:
    old = service()
    new = service(name="web")
    new["spec"]["ports"][0]["port"] = 0
    out = validation.validate_update(new, old)
    assert [c.field for c in out] == ["spec.ports[0].port"]
