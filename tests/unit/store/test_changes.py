from __future__ import annotations

import gc

import pytest

from tinykube.errors import KeyExists, KeyNotFound, RevisionConflict
from tinykube.store.changes import (
    Stored,
    Write,
    apply,
    decode,
    decode_all,
    restamp,
    stamp,
)


def test_stamp_sets_resource_version_and_leaves_the_input_alone() -> None:
    obj = {"metadata": {"name": "a", "resourceVersion": "3"}, "spec": {}}
    assert decode(stamp(obj, 9)) == {"metadata": {"name": "a", "resourceVersion": "9"}, "spec": {}}
    assert obj["metadata"]["resourceVersion"] == "3"
    assert decode(stamp({}, 1)) == {"metadata": {"resourceVersion": "1"}}
    assert decode(restamp(stamp(obj, 9), 12))["metadata"]["resourceVersion"] == "12"


def test_create() -> None:
    change = apply(Write("create", "/k", {"x": 1}), None, 5)
    assert (change.type, change.revision, change.prev) == ("ADDED", 5, None)
    assert change.object() == {"x": 1, "metadata": {"resourceVersion": "5"}}
    assert change.stored() == Stored(5, change.value)
    with pytest.raises(KeyExists):
        apply(Write("create", "/k", {}), Stored(1, b"{}"), 6)


def test_update_and_delete_check_existence_and_expectation() -> None:
    current = Stored(3, stamp({"x": 1}, 3))
    for write in (Write("update", "/k", {}, expect=2), Write("delete", "/k", expect=2)):
        with pytest.raises(KeyNotFound):
            apply(write, None, 4)
        with pytest.raises(RevisionConflict):
            apply(write, current, 4)
    modified = apply(Write("update", "/k", {"x": 2}, expect=3), current, 4)
    assert (modified.type, modified.prev) == ("MODIFIED", current.value)
    deleted = apply(Write("delete", "/k"), current, 4)
    assert deleted.type == "DELETED" and deleted.stored() is None
    assert deleted.object() == {"x": 1, "metadata": {"resourceVersion": "4"}}
    event = deleted.event()
    assert event.prev == {"x": 1, "metadata": {"resourceVersion": "3"}}


def test_decode_all_restores_the_collector_state() -> None:
    assert decode_all([b'{"a":1}', b"[]"]) == [{"a": 1}, []]
    assert gc.isenabled()
    gc.disable()
    try:
        decode_all([b"{}"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_write_must_be_storable() -> None:
    with pytest.raises(ValueError):
        Write("create", "/a/\ud800", {})
    with pytest.raises(ValueError):
        Write("create", "/a/x")
    with pytest.raises(ValueError):
        Write("delete", "/a/x", {})
