import pytest

from tinykube.controllers.ownership import (
    Decision,
    OwnerState,
    blocks,
    decide,
    is_foreground_deleting,
    without_finalizer,
    without_owners,
)

S, D, W = OwnerState.SOLID, OwnerState.DANGLING, OwnerState.WAITING


@pytest.mark.parametrize("owners, has_deps, expected", [
    ({"a": S}, False, Decision("keep")),
    ({"a": S, "b": S}, True, Decision("keep")),
    ({"a": D}, False, Decision("delete", "Background")),
    ({"a": D}, True, Decision("delete", "Background")),
    ({"a": D, "b": D}, False, Decision("delete", "Background")),
    ({"a": W}, False, Decision("delete", "Background")),
    ({"a": W}, True, Decision("delete", "Foreground")),
    ({"a": W, "b": D}, True, Decision("delete", "Foreground")),
    ({"a": S, "b": D}, False, Decision("unlink", unlink=frozenset({"b"}))),
    ({"a": S, "b": D, "c": W}, True, Decision("unlink", unlink=frozenset({"b", "c"}))),
])
def test_decide(owners, has_deps, expected):
    assert decide(owners, has_deps) == expected


def obj(**md):
    return {"metadata": {"name": "x", **md}}


def test_without_owners_drops_only_those_and_copies():
    o = obj(ownerReferences=[{"uid": "a"}, {"uid": "b"}])
    out = without_owners(o, {"a"})
    assert out["metadata"]["ownerReferences"] == [{"uid": "b"}]
    assert len(o["metadata"]["ownerReferences"]) == 2
    assert "ownerReferences" not in without_owners(o, {"a", "b"})["metadata"]
    assert without_owners(o, {"zzz"}) is None


def test_without_finalizer():
    o = obj(finalizers=["orphan", "x"])
    assert without_finalizer(o, "orphan")["metadata"]["finalizers"] == ["x"]
    assert o["metadata"]["finalizers"] == ["orphan", "x"]
    assert without_finalizer(o, "nope") is None


def test_blocks_and_foreground():
    dep = obj(ownerReferences=[{"uid": "a", "blockOwnerDeletion": True}, {"uid": "b"}])
    assert blocks(dep, "a")
    assert not blocks(dep, "b")
    assert not blocks(dep, "c")
    assert is_foreground_deleting(obj(deletionTimestamp="t", finalizers=["foregroundDeletion"]))
    assert not is_foreground_deleting(obj(finalizers=["foregroundDeletion"]))
    assert not is_foreground_deleting(obj(deletionTimestamp="t", finalizers=["orphan"]))
