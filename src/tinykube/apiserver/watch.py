"""Watch streams: newline-delimited JSON events over a chunked 200 response.

    {"type":"ADDED","object":{...}}\\n {"type":"MODIFIED",...}\\n {"type":"DELETED",...}\\n

Kubernetes' rules, kept here:

- ``resourceVersion`` "" or "0": a synthetic ADDED for every current match, then live
  changes; ``N``: every change after N. A revision the store has compacted away is an
  ERROR event carrying a 410 Expired Status (``too old resource version: N (oldest)``),
  after which the stream ends, inside the 200 response.
- Selectors see transitions: an object that stops matching is DELETED for this watcher,
  one that starts matching is ADDED (``Event.prev`` is the state before the change).
- ``allowWatchBookmarks``: periodic BOOKMARK events carrying only kind and
  ``metadata.resourceVersion``: the last revision this stream has seen, so a client that
  resumes from it misses nothing.
- ``timeoutSeconds`` ends the stream; otherwise it stays open until the client leaves,
  the store ends the watch (a watcher too slow to keep up) or the server stops.
- Table watches (kubectl ``get -w``) send one-row Tables, with ``columnDefinitions``
  in the first event only.

``events`` (pure) turns store events into what one watcher sees; ``Stream`` is the
aiohttp shell: a pump task reads the store into a small bounded queue (so a slow client
pushes back on the store's own limit instead of growing memory here) and the handler
writes each event as soon as it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, Compacted, Expired
from tinykube.store.storage import Event, Storage
from tinykube.wire import codec, status

from .cache import Entry
from .options import ListOptions, Selection

log = logging.getLogger(__name__)

WatchType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]
QUEUE_SIZE = 256
ALIVE_CHECK = 10.0  # seconds between checks that an idle client is still connected
_END = object()


def seen(ev: Event, selection: Selection) -> tuple[WatchType, Obj] | None:
    """What a watcher with ``selection`` sees of ``ev``, or None."""
    if selection.everything and selection.name is None:
        return ev.type, ev.object
    now = selection.matches(ev.object)
    if ev.type == "ADDED":
        return ("ADDED", ev.object) if now else None
    if ev.type == "DELETED":
        return ("DELETED", ev.object) if now else None
    before = ev.prev is not None and selection.matches(ev.prev)
    if now:
        return ("MODIFIED" if before else "ADDED"), ev.object
    return ("DELETED", ev.object) if before else None


def line(type_: str, obj: Obj) -> bytes:
    return raw_line(type_, codec.dumps(obj))


def raw_line(type_: str, raw: bytes) -> bytes:
    return b'{"type":"' + type_.encode() + b'","object":' + raw + b"}\n"


def expired(requested: int, oldest: int) -> bytes:
    err = Expired(f"too old resource version: {requested} ({oldest})")
    return line("ERROR", status.body(err))


def bookmark(kind: Kind, revision: int) -> Obj:
    return {"kind": kind.kind, "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(revision)}}


Render = Callable[[str, Obj, bool], bytes]  # (type, object, first) -> one Table line
Lister = Callable[[str], Awaitable[tuple[list[Entry], int]]]


@dataclass
class Watchers:
    """Every open stream, so the server can end them all when it stops."""

    bookmark_interval: float = 60.0

    def __post_init__(self) -> None:
        self._streams: set[Stream] = set()
        self.stopping = False

    def add(self, s: Stream) -> None:
        self._streams.add(s)

    def discard(self, s: Stream) -> None:
        self._streams.discard(s)

    def stop_all(self) -> None:
        self.stopping = True
        for s in list(self._streams):
            s.stop()

    def __len__(self) -> int:
        return len(self._streams)


class Stream:
    """One watch request, from the first byte to the end of the response."""

    def __init__(self, store: Storage, kind: Kind, *, prefix: str, opts: ListOptions,
                 lister: Lister, table: Render | None, watchers: Watchers) -> None:
        self._store, self._kind, self._prefix, self._opts = store, kind, prefix, opts
        self._lister = lister
        self._table = table
        self._watchers = watchers
        self._queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
        self._stopped = False
        self._first = True
        self._revision = 0

    def stop(self) -> None:
        self._stopped = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)

    async def serve(self, request: web.Request, content_type: str) -> web.StreamResponse:
        since, initial = await self._start()
        self._revision = since
        resp = web.StreamResponse(status=200, headers={"Content-Type": content_type})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        self._watchers.add(self)
        pump = asyncio.create_task(self._pump(since), name="watch-pump")
        try:
            await self._stream(request, resp, initial)
        except ConnectionError:
            pass  # the client went away; nothing to tell it
        finally:
            self._watchers.discard(self)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        with contextlib.suppress(ConnectionError):
            await resp.write_eof()
        return resp

    async def _start(self) -> tuple[int, list[Entry]]:
        rv = self._opts.resource_version
        if rv in ("", "0"):
            entries, revision = await self._lister(self._prefix)
            sel = self._opts.selection
            return revision, [e for e in entries if sel.matches(e.obj)]
        try:
            return int(rv), []
        except ValueError:
            raise BadRequest(f'resourceVersion: Invalid value: "{rv}": must be an integer') \
                from None

    async def _pump(self, since: int) -> None:
        end: object = _END
        try:
            async for ev in self._store.watch(self._prefix, since):
                await self._queue.put(ev)
        except Compacted as e:
            end = Compacted(str(e), revision=since, oldest=e.oldest)
        except Exception:
            log.exception("watch of %s failed", self._prefix)
        await self._queue.put(end)  # not reached when cancelled: the reader is gone then

    async def _stream(self, request: web.Request, resp: web.StreamResponse,
                      initial: list[Entry]) -> None:
        if initial:
            await resp.write(b"".join(self._line("ADDED", e.obj, e.raw) for e in initial))
        if self._watchers.stopping:
            return
        loop = asyncio.get_running_loop()
        timeout = self._opts.timeout
        ends = loop.time() + timeout if timeout else None
        interval = self._watchers.bookmark_interval
        next_bookmark = loop.time() + interval
        while not self._stopped:
            wake = min(t for t in (ends, next_bookmark, loop.time() + ALIVE_CHECK) if t)
            try:
                async with asyncio.timeout_at(wake):
                    item = await self._queue.get()
            except TimeoutError:
                now = loop.time()
                if ends is not None and now >= ends:
                    return
                if _gone(request):
                    return
                if self._opts.bookmarks and now >= next_bookmark:
                    await resp.write(line("BOOKMARK", bookmark(self._kind, self._revision)))
                if now >= next_bookmark:
                    next_bookmark = now + interval
                continue
            if item is _END:
                return
            if isinstance(item, Compacted):
                await resp.write(expired(item.revision, item.oldest))
                return
            assert isinstance(item, Event)
            self._revision = item.revision
            out = seen(item, self._opts.selection)
            if out is not None:
                await resp.write(self._line(out[0], out[1]))

    def _line(self, type_: str, obj: Obj, raw: bytes | None = None) -> bytes:
        if self._table is None:
            return raw_line(type_, raw if raw is not None else codec.dumps(obj))
        first, self._first = self._first, False
        return self._table(type_, obj, first)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()
