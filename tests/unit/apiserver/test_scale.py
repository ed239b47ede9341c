from __future__ import annotations

import pytest

from tinykube.apiserver import scale
from tinykube.errors import Invalid


def test_to_scale() -> None:
    dep = {"metadata": {"name": "d", "namespace": "a", "uid": "u", "resourceVersion": "5",
                        "labels": {"x": "y"}},
           "spec": {"replicas": 3, "selector": {"matchLabels": {"run": "web"}}},
           "status": {"replicas": 2}}
    s = scale.to_scale(dep)
    assert s["kind"] == "Scale" and s["apiVersion"] == "autoscaling/v1"
    assert s["metadata"] == {"name": "d", "namespace": "a", "uid": "u", "resourceVersion": "5"}
    assert s["spec"] == {"replicas": 3}
    assert s["status"]["replicas"] == 2
    assert s["status"]["selector"] == "run=web"


def test_replicas_default_to_one_and_status_to_zero() -> None:
    s = scale.to_scale({"metadata": {"name": "d"}, "spec": {}})
    assert s["spec"]["replicas"] == 1 and s["status"] == {"replicas": 0}


@pytest.mark.parametrize("value", [-1, "3", 1.5, True])
def test_bad_replicas_are_422_on_scale(value: object) -> None:
    with pytest.raises(Invalid) as e:
        scale.requested_replicas({"spec": {"replicas": value}}, "d")
    assert e.value.kind == "Scale" and e.value.causes[0].field == "spec.replicas"
