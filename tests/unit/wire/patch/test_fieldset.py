"""Field paths: which paths an object owns, the fieldsV1 form, and how conflicts print."""

from __future__ import annotations

import pytest

from tinykube.api import kinds, schema
from tinykube.errors import BadRequest
from tinykube.wire.patch.fieldset import (
    MEMBER,
    check_keys,
    fields_of,
    from_fields_v1,
    text,
    to_fields_v1,
)

PORT_80 = 'k:{"port":80,"protocol":"TCP"}'

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "s", "labels": {"run": "s"}, "finalizers": ["a/b"]},
    "spec": {
        "ports": [{"port": 80, "targetPort": 8080}],
        "selector": {"run": "s"},
        "clusterIPs": ["10.96.0.5"],
        "sessionAffinityConfig": {},
    },
}


def test_members_follow_structured_merge_diff() -> None:
    fields = fields_of(schema.root(kinds.SERVICE), SERVICE)
    assert fields == {
        ("f:apiVersion",): "v1",
        ("f:kind",): "Service",
        ("f:metadata", "f:name"): "s",
        ("f:metadata", "f:labels", "f:run"): "s",
        ("f:metadata", "f:finalizers", 'v:"a/b"'): "a/b",
        ("f:spec", "f:ports", PORT_80): MEMBER,  # protocol defaults to TCP in the key
        ("f:spec", "f:ports", PORT_80, "f:port"): 80,
        ("f:spec", "f:ports", PORT_80, "f:targetPort"): 8080,
        ("f:spec", "f:selector"): {"run": "s"},  # an atomic map is one leaf
        ("f:spec", "f:clusterIPs"): ["10.96.0.5"],  # so is an atomic list
        ("f:spec", "f:sessionAffinityConfig"): {},  # an empty object is a leaf
    }


def test_containers_add_the_granular_maps_and_lists() -> None:
    fields = fields_of(schema.root(kinds.SERVICE), SERVICE, containers=True)
    assert fields[("f:metadata", "f:labels")] is MEMBER
    assert fields[("f:spec", "f:ports")] is MEMBER
    assert fields[("f:metadata", "f:finalizers")] is MEMBER
    assert ("f:spec",) not in fields  # objects with content never are


def test_fields_v1_round_trip_with_dot_markers() -> None:
    paths = {
        ("f:metadata", "f:labels"),
        ("f:metadata", "f:labels", "f:run"),
        ("f:spec", "f:ports", PORT_80),
        ("f:spec", "f:ports", PORT_80, "f:port"),
        ("f:spec", "f:selector"),
    }
    tree = to_fields_v1(paths)
    assert tree == {
        "f:metadata": {"f:labels": {".": {}, "f:run": {}}},
        "f:spec": {
            "f:ports": {PORT_80: {".": {}, "f:port": {}}},
            "f:selector": {},
        },
    }
    assert list(tree["f:spec"]) == ["f:ports", "f:selector"]
    assert from_fields_v1(tree) == paths


def test_malformed_fields_v1_is_ignored() -> None:
    assert from_fields_v1(None) == frozenset()
    assert from_fields_v1({"f:a": 3, "f:b": {}}) == {("f:b",)}


def test_paths_print_like_kubernetes() -> None:
    assert text(("f:spec", "f:replicas")) == ".spec.replicas"
    assert text(("f:spec", "f:ports", PORT_80, "f:targetPort")) == (
        '.spec.ports[port=80,protocol="TCP"].targetPort'
    )
    assert text(("f:metadata", "f:finalizers", 'v:"a"')) == '.metadata.finalizers[="a"]'


def test_applied_lists_need_their_keys_once() -> None:
    node = schema.root(kinds.SERVICE)
    with pytest.raises(BadRequest, match=r'\.spec\.ports: element 1: .* omits key field "port"'):
        check_keys(node, {"spec": {"ports": [{"port": 1}, {"name": "x"}]}})
    with pytest.raises(BadRequest, match=r'duplicate entries for key \[port=1,protocol="TCP"\]'):
        check_keys(node, {"spec": {"ports": [{"port": 1}, {"port": 1, "protocol": "TCP"}]}})
    check_keys(node, {"spec": {"ports": [{"port": 1}, {"port": 1, "protocol": "UDP"}]}})
