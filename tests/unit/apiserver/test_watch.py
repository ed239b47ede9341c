"""Watch streams: the pure event filter, and real streams over HTTPS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
import pytest

from tinykube.api import fields
from tinykube.api.kinds import SERVICE
from tinykube.apiserver import watch
from tinykube.apiserver.negotiation import TABLE
from tinykube.apiserver.options import Selection
from tinykube.store.storage import Event

from .conftest import TOKEN, Api
from .samples import collection, item, sample

KUBECTL_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


class _Tier:
    """A label selector ``tier=front`` that needs no parser."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        return labels.get("tier") == "front"

    def empty(self) -> bool:
        return False


def _svc(tier: str | None, rv: int = 1) -> dict[str, Any]:
    labels = {"tier": tier} if tier else {}
    return {"metadata": {"name": "s", "labels": labels, "resourceVersion": str(rv)}}


SEL = Selection(_Tier(), fields.parse(SERVICE, ""))  # type: ignore[arg-type]


def test_seen_turns_selector_transitions_into_added_and_deleted() -> None:
    def ev(type_: str, new: Any, prev: Any = None) -> Event:
        return Event(type_, "/services/default/s", new, 2, prev)  # type: ignore[arg-type]

    assert watch.seen(ev("ADDED", _svc("front")), SEL) == ("ADDED", _svc("front"))
    assert watch.seen(ev("ADDED", _svc("back")), SEL) is None
    assert watch.seen(ev("MODIFIED", _svc("front"), _svc("front")), SEL)[0] == "MODIFIED"
    assert watch.seen(ev("MODIFIED", _svc("back"), _svc("front")), SEL) == ("DELETED",
                                                                           _svc("back"))
    assert watch.seen(ev("MODIFIED", _svc("front"), _svc("back")), SEL)[0] == "ADDED"
    assert watch.seen(ev("MODIFIED", _svc("back"), _svc("back")), SEL) is None
    assert watch.seen(ev("DELETED", _svc("front")), SEL)[0] == "DELETED"
    assert watch.seen(ev("DELETED", _svc("back")), SEL) is None


def test_lines_and_expired() -> None:
    assert watch.line("ADDED", {"a": 1}) == b'{"type":"ADDED","object":{"a":1}}\n'
    err = orjson.loads(watch.expired(3, 10))
    assert err["type"] == "ERROR"
    assert err["object"]["code"] == 410 and err["object"]["reason"] == "Expired"
    assert err["object"]["message"] == "too old resource version: 3 (10)"


@asynccontextmanager
async def stream(api: Api, path: str, accept: str = "application/json"
                 ) -> AsyncIterator[aiohttp.ClientResponse]:
    resp = await api.session.get(api.url + path, headers={"Authorization": f"Bearer {TOKEN}",
                                                          "Accept": accept})
    try:
        yield resp
    finally:
        resp.close()


async def next_event(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    line = await asyncio.wait_for(resp.content.readline(), 10)
    assert line.endswith(b"\n"), line
    out: dict[str, Any] = orjson.loads(line)
    return out


async def test_watch_from_zero_replays_then_follows(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "a"))
    async with stream(api, collection(SERVICE) + "?watch=true&resourceVersion=0") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.headers["Transfer-Encoding"] == "chunked"
        first = [await next_event(resp), await next_event(resp)]
        assert {(e["type"], e["object"]["metadata"]["name"]) for e in first} == {
            ("ADDED", "a"), ("ADDED", "kubernetes")}
        await api.call("POST", collection(SERVICE), sample(SERVICE, "b"))
        ev = await next_event(resp)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "b")
        await api.call("PATCH", item(SERVICE, "b"), {"metadata": {"labels": {"x": "y"}}},
                       content_type="application/merge-patch+json")
        ev = await next_event(resp)
        assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["labels"] == {"x": "y"}
        await api.call("DELETE", item(SERVICE, "b"))
        ev = await next_event(resp)
        assert ev["type"] == "DELETED" and ev["object"]["metadata"]["name"] == "b"


async def test_watch_from_a_revision_sends_only_later_changes(api: Api) -> None:
    _, _, a = await api.call("POST", collection(SERVICE), sample(SERVICE, "a"))
    rv = a["metadata"]["resourceVersion"]
    await api.call("POST", collection(SERVICE), sample(SERVICE, "b"))
    async with stream(api, collection(SERVICE) + f"?watch=1&resourceVersion={rv}") as resp:
        ev = await next_event(resp)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "b")
        assert int(ev["object"]["metadata"]["resourceVersion"]) > int(rv)


async def test_watch_from_a_compacted_revision_is_an_expired_error_event(api: Api) -> None:
    for n in "abc":
        await api.call("POST", collection(SERVICE), sample(SERVICE, n))
    await api.store.compact(1)
    async with stream(api, collection(SERVICE) + "?watch=true&resourceVersion=2") as resp:
        assert resp.status == 200
        ev = await next_event(resp)
        assert ev["type"] == "ERROR"
        assert ev["object"]["kind"] == "Status" and ev["object"]["code"] == 410
        assert ev["object"]["message"].startswith("too old resource version: 2 (")
        assert await asyncio.wait_for(resp.content.read(), 10) == b""


async def test_watch_one_object_by_name(api: Api) -> None:
    for n in ("web", "web2"):
        await api.call("POST", collection(SERVICE), sample(SERVICE, n))
    path = collection(SERVICE) + "?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dweb"
    async with stream(api, path) as resp:
        ev = await next_event(resp)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "web")
        await api.call("PATCH", item(SERVICE, "web2"), {"metadata": {"labels": {"a": "b"}}},
                       content_type="application/merge-patch+json")
        await api.call("PATCH", item(SERVICE, "web"), {"metadata": {"labels": {"a": "c"}}},
                       content_type="application/merge-patch+json")
        ev = await next_event(resp)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("MODIFIED", "web")


async def test_legacy_watch_path(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web"))
    async with stream(api, "/api/v1/watch/namespaces/default/services/web") as resp:
        ev = await next_event(resp)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "web")


async def test_label_selector_transitions(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "web", tier="back"))
    path = collection(SERVICE) + "?watch=true&labelSelector=tier%3Dfront"
    async with stream(api, path) as resp:
        await api.call("PATCH", item(SERVICE, "web"), {"metadata": {"labels": {"tier": "front"}}},
                       content_type="application/merge-patch+json")
        ev = await next_event(resp)
        assert ev["type"] == "ADDED"
        await api.call("PATCH", item(SERVICE, "web"), {"metadata": {"labels": {"tier": "back"}}},
                       content_type="application/merge-patch+json")
        ev = await next_event(resp)
        assert ev["type"] == "DELETED" and ev["object"]["metadata"]["labels"]["tier"] == "back"


async def test_bookmarks_carry_the_last_revision(api: Api) -> None:
    _, _, a = await api.call("POST", collection(SERVICE), sample(SERVICE, "a"))
    rv = a["metadata"]["resourceVersion"]
    path = collection(SERVICE) + f"?watch=true&resourceVersion={rv}&allowWatchBookmarks=true"
    async with stream(api, path) as resp:
        ev = await next_event(resp)
        assert ev["type"] == "BOOKMARK"
        assert ev["object"] == {"kind": "Service", "apiVersion": "v1",
                                "metadata": {"resourceVersion": rv}}


async def test_timeout_seconds_ends_the_stream(api: Api) -> None:
    async with stream(api, collection(SERVICE) + "?watch=true&timeoutSeconds=1") as resp:
        data = await asyncio.wait_for(resp.content.read(), 10)
    assert data.count(b"\n") == 1  # the kubernetes service, then the end


async def test_table_watch(api: Api) -> None:
    await api.call("POST", collection(SERVICE), sample(SERVICE, "a"))
    path = collection(SERVICE) + "?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Da"
    async with stream(api, path, accept=KUBECTL_TABLE) as resp:
        assert resp.headers["Content-Type"] == TABLE
        ev = await next_event(resp)
        assert ev["type"] == "ADDED" and ev["object"]["kind"] == "Table"
        assert ev["object"]["columnDefinitions"]
        assert ev["object"]["rows"][0]["cells"][0] == "a"
        await api.call("DELETE", item(SERVICE, "a"))
        ev = await next_event(resp)
        assert ev["type"] == "DELETED" and ev["object"]["columnDefinitions"] is None


async def test_bad_resource_version_is_400(api: Api) -> None:
    status, _, body = await api.call("GET", collection(SERVICE) + "?watch=true&resourceVersion=x")
    assert status == 400 and body["reason"] == "BadRequest"


@pytest.mark.parametrize("n", [3])
async def test_a_closed_client_ends_its_stream(api: Api, n: int) -> None:
    for _ in range(n):
        async with stream(api, collection(SERVICE) + "?watch=true") as resp:
            await next_event(resp)
    await api.call("POST", collection(SERVICE), sample(SERVICE, "poke"))
    for _ in range(100):
        if len(api.server._watchers) == 0:
            break
        await asyncio.sleep(0.05)
    assert len(api.server._watchers) == 0
