"""JSON patch: RFC 6902's examples, pointers, and the API server's error codes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tinykube.errors import BadRequest, Invalid, RequestEntityTooLarge
from tinykube.wire.patch import json_patch
from tinykube.wire.patch.jsonpatch import json_equal

# RFC 6902, Appendix A.
RFC_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = [
    (
        "A.1 add object member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2 add array element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    (
        "A.3 remove object member",
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (
        "A.4 remove array element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5 replace",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6 move value",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7 move array element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8 test success",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10 add nested member",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11 ignore unknown members",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        "A.14 ~ escapes",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    (
        "A.16 add array value",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    (
        "copy",
        {"a": {"b": [1]}},
        [{"op": "copy", "from": "/a", "path": "/c"}],
        {"a": {"b": [1]}, "c": {"b": [1]}},
    ),
    (
        "slash in a label key",
        {"metadata": {"labels": {"app.kubernetes.io/name": "x"}}},
        [{"op": "replace", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "y"}],
        {"metadata": {"labels": {"app.kubernetes.io/name": "y"}}},
    ),
    ("whole document", {"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}),
]


@pytest.mark.parametrize(
    ("name", "target", "ops", "expected"), RFC_CASES, ids=[c[0] for c in RFC_CASES]
)
def test_rfc6902_examples(name: str, target: Any, ops: Any, expected: Any) -> None:
    assert json_patch(target, ops) == expected


FAILURES: list[tuple[str, dict[str, Any], list[dict[str, Any]], str]] = [
    (
        "A.9 test failure",
        {"baz": "qux"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        "testing value /baz failed",
    ),
    (
        "A.12 add to nonexistent target",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        "doc is missing path: /baz/bat",
    ),
    (
        "A.15 number is not a string",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": "10"}],
        "testing value /~01 failed",
    ),
    ("remove missing", {"a": 1}, [{"op": "remove", "path": "/b"}], "doc is missing path: /b"),
    (
        "replace missing",
        {"a": 1},
        [{"op": "replace", "path": "/b", "value": 1}],
        "replace operation does not apply",
    ),
    (
        "index past the end",
        {"a": [1]},
        [{"op": "add", "path": "/a/2", "value": 1}],
        "doc is missing path: /a/2",
    ),
    ("leading zero index", {"a": [1, 2]}, [{"op": "remove", "path": "/a/01"}], "missing path"),
    ("dash outside add", {"a": [1]}, [{"op": "remove", "path": "/a/-"}], "missing path"),
    ("unknown op", {"a": 1}, [{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
    ("no value", {"a": 1}, [{"op": "add", "path": "/b"}], "missing value field"),
    ("no path", {"a": 1}, [{"op": "add", "value": 1}], "missing path field"),
    ("relative path", {"a": 1}, [{"op": "add", "path": "b", "value": 1}], "must start with /"),
    (
        "move into own child",
        {"a": {"b": 1}},
        [{"op": "move", "from": "/a", "path": "/a/c"}],
        "child",
    ),
    (
        "not an object any more",
        {"a": 1},
        [{"op": "replace", "path": "", "value": [1]}],
        "not a JSON object",
    ),
]


@pytest.mark.parametrize(
    ("name", "target", "ops", "message"), FAILURES, ids=[c[0] for c in FAILURES]
)
def test_operations_that_do_not_apply_are_422(
    name: str, target: Any, ops: Any, message: str
) -> None:
    before = copy.deepcopy(target)
    with pytest.raises(Invalid, match=message.replace("/", ".")) as err:
        json_patch(target, ops)
    assert err.value.code == 422
    assert target == before


def test_a_failed_operation_leaves_no_partial_result() -> None:
    target = {"a": 1}
    ops = [{"op": "add", "path": "/b", "value": 2}, {"op": "test", "path": "/a", "value": 9}]
    with pytest.raises(Invalid):
        json_patch(target, ops)
    assert target == {"a": 1}


@pytest.mark.parametrize("ops", [{"op": "add"}, "x", [1], [["add"]]])
def test_a_body_that_is_not_a_list_of_operations_is_400(ops: Any) -> None:
    with pytest.raises(BadRequest):
        json_patch({}, ops)


def test_too_many_operations_is_413() -> None:
    ops = [{"op": "test", "path": "", "value": {}}] * 10001
    with pytest.raises(RequestEntityTooLarge, match="10000, got 10001"):
        json_patch({}, ops)


def test_values_are_copied_not_shared() -> None:
    value = {"x": [1]}
    out = json_patch({}, [{"op": "add", "path": "/v", "value": value}])
    out["v"]["x"].append(2)
    assert value == {"x": [1]}


def test_json_equality() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert not json_equal({"a": [1, {"b": False}]}, {"a": [1, {"b": 0}]})
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
    assert not json_equal("1", 1)
