"""Watch stream framing on the client side: bytes in, ``WatchEvent`` values out.

A Kubernetes watch is newline-delimited JSON over a chunked response; chunks split lines
anywhere, so ``LineSplitter`` reassembles them. ``decode_event`` turns one line into a
``WatchEvent``; an ERROR event carrying a 410 ``Status`` becomes ``errors.Expired`` (the
caller must list again), other ERROR events are passed on. Pure: no sockets.
"""

from __future__ import annotations

from typing import Any, cast

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, Expired, from_status
from tinykube.machinery.listwatch import WATCH_EVENT_TYPES, WatchEvent, WatchEventType
from tinykube.wire import codec


class LineSplitter:
    """Feed it chunks; get back complete lines (without the newline), never empty ones."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        if b"\n" not in chunk:
            return []
        *lines, rest = bytes(self._buf).split(b"\n")
        self._buf = bytearray(rest)
        return [line for line in lines if line.strip()]

    def rest(self) -> bytes:
        """What is left after the stream ended (a last line without a newline)."""
        out, self._buf = bytes(self._buf), bytearray()
        return out if out.strip() else b""


def decode_event(line: bytes, kind: Kind | None = None) -> WatchEvent:
    """One watch line. ``kind`` fills ``apiVersion``/``kind`` when the server left them out."""
    data: Any = codec.loads(line)
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise BadRequest(f"malformed watch event: {line[:200]!r}")
    type_ = str(data.get("type") or "")
    if type_ not in WATCH_EVENT_TYPES:
        raise BadRequest(f"unknown watch event type {type_!r}")
    obj: Obj = data["object"]
    if type_ == "ERROR":
        err = from_status(obj)
        if isinstance(err, Expired):
            raise err
    elif kind is not None and type_ != "BOOKMARK":
        typed(kind, obj)
    return WatchEvent(cast(WatchEventType, type_), obj)


def typed(kind: Kind, obj: Obj) -> Obj:
    """Give ``obj`` its ``apiVersion`` and ``kind`` (list items come without them)."""
    obj.setdefault("apiVersion", kind.api_version)
    obj.setdefault("kind", kind.kind)
    return obj
