"""The shared Event writer: the Event's shape, aggregation of repeats, never blocking."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tinykube.api import kinds, meta
from tinykube.client.events import EventType, EventWriter, Pending, involved_object, new_event
from tinykube.errors import Forbidden, NotFound
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-0", "namespace": "shop", "uid": "u1",
                    "resourceVersion": "12"}}
NODE = {"metadata": {"name": "node-1", "uid": "n1"}}


@asynccontextmanager
async def writing(w: EventWriter) -> AsyncIterator[None]:
    """``w.run`` as a task for the block's time."""
    task = asyncio.create_task(w.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def stored(api: FakeApi) -> list[dict[str, Any]]:
    return [o for (k, _, _), o in api.objects.items() if k is kinds.EVENT]


def pending(obj: dict[str, Any], message: str = "m", *, type_: EventType = "Normal",
            component: str = "c", path: str = "") -> Pending:
    return Pending(involved_object(obj, field_path=path), type_, "R", message, component,
                   meta.now())


def test_involved_object_takes_defaults_only_when_the_object_has_none():
    assert involved_object(NODE, kind="Node", api_version="v1") == {
        "kind": "Node", "namespace": "", "name": "node-1", "uid": "n1", "apiVersion": "v1"}
    assert involved_object(POD, kind="X", api_version="x/v9")["kind"] == "Pod"
    assert involved_object(POD)["resourceVersion"] == "12"
    assert "fieldPath" not in involved_object(POD)
    assert involved_object(POD, field_path="spec.containers{a}")["fieldPath"] == \
        "spec.containers{a}"


def test_new_event_is_the_components_on_its_host():
    ev = pending(POD, component="kubelet")
    out = new_event(ev, "node-1", 255)
    assert out["metadata"] == {"name": "web-0.ff", "namespace": "shop"}
    assert out["source"] == {"component": "kubelet", "host": "node-1"}
    assert (out["reportingComponent"], out["reportingInstance"]) == ("kubelet", "node-1")
    assert (out["count"], out["firstTimestamp"]) == (1, out["lastTimestamp"])
    assert new_event(ev, "", 1)["source"] == {"component": "kubelet"}
    assert new_event(pending(NODE), "", 1)["metadata"]["namespace"] == "default"


def test_repeats_are_the_same_object_part_words_and_component():
    base = pending(POD)
    assert base.key == pending(POD).key
    assert base.key != pending(POD, path="spec.containers{a}").key
    assert base.key != pending(POD, component="other").key
    assert base.key != pending(POD, type_="Warning").key
    assert base.key != pending(POD, "other").key


async def test_repeats_bump_count_and_a_deleted_event_is_written_again():
    api = FakeApi()
    w = EventWriter(api, host="node-1")
    async with writing(w):
        w.record(pending(POD))
        await eventually(lambda: len(stored(api)) == 1)
        w.record(pending(POD))
        await eventually(lambda: stored(api)[0]["count"] == 2)
        api.fail("patch", NotFound("gone"))
        w.record(pending(POD))
        await eventually(lambda: len(stored(api)) == 2)
    assert sorted(e["count"] for e in stored(api)) == [1, 2]


async def test_full_queue_drops_and_failures_do_not_stop_the_writer():
    api = FakeApi()
    w = EventWriter(api, capacity=2)
    for i in range(3):
        w.record(pending(POD, f"m{i}"))  # nobody drains yet: the third is dropped
    assert w.dropped == 1 and w.pending() == 2
    api.fail("create", Forbidden("no"))
    async with writing(w):
        await eventually(lambda: len(stored(api)) == 1)
    assert stored(api)[0]["message"] == "m1"
