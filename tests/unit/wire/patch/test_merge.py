"""JSON merge patch: RFC 7386's own examples, and what kubectl label/scale send."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tinykube.errors import BadRequest
from tinykube.wire.patch import merge_patch

# RFC 7386, Appendix A (only the cases whose target and patch are objects).
RFC_CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_CASES)
def test_rfc7386_examples(target: dict[str, Any], patch: dict[str, Any], expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_kubectl_label_and_scale() -> None:
    svc = {"metadata": {"name": "s", "labels": {"run": "x"}}, "spec": {"replicas": 1}}
    assert merge_patch(svc, {"metadata": {"labels": {"foo": "bar"}}})["metadata"]["labels"] == {
        "run": "x",
        "foo": "bar",
    }
    assert merge_patch(svc, {"spec": {"replicas": 3}})["spec"] == {"replicas": 3}
    assert merge_patch(svc, {"metadata": {"labels": {"run": None}}})["metadata"]["labels"] == {}


def test_inputs_are_untouched_and_nothing_is_shared() -> None:
    target = {"a": {"b": [1, 2]}, "c": {"d": 1}}
    patch = {"a": {"x": {"y": 1}}, "e": [{"f": 1}]}
    before = (copy.deepcopy(target), copy.deepcopy(patch))
    out = merge_patch(target, patch)
    out["a"]["b"].append(3)
    out["c"]["d"] = 2
    out["e"][0]["f"] = 2
    out["a"]["x"]["y"] = 2
    assert (target, patch) == before


@pytest.mark.parametrize("patch", [[1, 2], "x", 3, None])
def test_a_patch_that_is_not_an_object_is_a_bad_request(patch: Any) -> None:
    with pytest.raises(BadRequest, match="Invalid JSON Patch"):
        merge_patch({"a": 1}, patch)
