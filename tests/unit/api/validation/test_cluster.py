"""Namespace and Node validation."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy
from typing import Any

from tinykube.api import defaults

from .helpers import problems


def namespace(name: str = "qa", **spec: Any) -> dict[str, Any]:
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": spec}
    defaults.apply(obj)
    return obj


def node(name: str = "tinykube", **spec: Any) -> dict[str, Any]:
    obj = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec}
    defaults.apply(obj)
    return obj


def test_namespace_names_are_dns_labels() -> None:
    assert problems(namespace()) == []
    out = problems(namespace("my.ns"))
    assert out[0] == 'metadata.name: Invalid value: "my.ns": must not contain dots'
    assert problems(namespace("Qa"))[0].startswith(
        'metadata.name: Invalid value: "Qa": a lowercase RFC 1123 label'
    )


def test_namespace_may_not_have_a_namespace() -> None:
    ns = namespace()
    ns["metadata"]["namespace"] = "default"
    assert problems(ns) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_namespace_finalizers() -> None:
    assert problems(namespace(finalizers=["kubernetes", "example.com/cleanup"])) == []
    assert problems(namespace(finalizers=["cleanup"])) == [
        'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name '
        "nor is it fully qualified"
    ]


def test_namespace_update_keeps_the_name() -> None:
    old = namespace()
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "prod"
    assert problems(new, old) == ['metadata.name: Invalid value: "prod": field is immutable']


def test_node_names_are_subdomains() -> None:
    assert problems(node("node-1.example.com")) == []
    assert problems(node("Node_1"))[0].startswith('metadata.name: Invalid value: "Node_1"')


def test_node_taints() -> None:
    taints = [
        {"key": "a", "effect": "NoSchedule"},
        {"key": "a", "effect": "NoSchedule"},
        {"key": "b", "effect": "Sometimes"},
        {"key": "c"},
    ]
    assert problems(node(taints=taints)) == [
        'spec.taints[1]: Duplicate value: "taints must be unique by key and effect pair (a, NoSchedule)"',
        'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"',
        "spec.taints[3].effect: Required value",
    ]


def test_node_pod_cidrs_are_set_once() -> None:
    old = node(podCIDRs=["10.244.0.0/24"])
    new = copy.deepcopy(old)
    new["spec"]["podCIDRs"] = ["10.244.1.0/24"]
    assert problems(new, old) == [
        'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'
    ]
    fresh = node()
    assigned = copy.deepcopy(fresh)
    assigned["spec"]["podCIDRs"] = ["10.244.0.0/24"]
    assert problems(assigned, fresh) == []
    unschedulable = copy.deepcopy(old)
    unschedulable["spec"]["unschedulable"] = True
    assert problems(unschedulable, old) == []
