from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tinykube.cli.describe import generic

Golden = Callable[[str], dict[str, Any]]


def test_endpoint_slice_describes_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-slice-mysql")
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    text = generic.render_endpoint_slice(case["object"], case["related"]["events"], now)
    assert text == case["expected"]


def test_namespace_describes_as_kubectl_does(golden: Golden) -> None:
    case = golden("describe-ns-gold")
    assert generic.render_namespace(case["object"]) == case["expected"]


@pytest.mark.parametrize(("field", "label"), [
    ("apiVersion", "API Version"), ("creationTimestamp", "Creation Timestamp"),
    ("uid", "UID"), ("podCIDR", "Pod CIDR"), ("a.b", "a.b"), ("count", "Count")])
def test_smart_labels(field: str, label: str) -> None:
    assert generic.smart_label(field) == label


def test_generic_page_prints_fields_and_skips_metadata_it_shows() -> None:
    obj = {"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": "n", "uid": "u", "managedFields": [{}]},
           "spec": {"podCIDR": "10.244.0.0/24", "taints": [{"key": "k"}, "plain"]}}
    text = generic.render_generic(obj, [], datetime(2024, 1, 1))
    assert "Managed Fields" not in text
    assert "  UID:  u\n" in text
    assert "Spec:\n  Pod CIDR:  10.244.0.0/24\n  Taints:\n    Key:  k\n    plain\n" in text
