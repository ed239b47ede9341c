from __future__ import annotations

from tinykube.apiserver.objects import clone, same


def test_clone_is_deep() -> None:
    a = {"metadata": {"labels": {"a": "b"}}, "spec": {"ports": [{"port": 1}]}}
    b = clone(a)
    b["spec"]["ports"][0]["port"] = 2
    assert a["spec"]["ports"][0]["port"] == 1 and b != a


def test_same_ignores_only_the_resource_version() -> None:
    a = {"metadata": {"name": "x", "resourceVersion": "1"}, "spec": {"a": 1}}
    assert same(a, {"metadata": {"name": "x", "resourceVersion": "2"}, "spec": {"a": 1}})
    assert same(a, {"metadata": {"name": "x"}, "spec": {"a": 1}})
    assert not same(a, {"metadata": {"name": "y"}, "spec": {"a": 1}})
    assert not same(a, {"metadata": {"name": "x"}, "spec": {"a": 2}})
    assert not same(a, {"metadata": {"name": "x"}, "spec": {"a": 1}, "status": {}})
