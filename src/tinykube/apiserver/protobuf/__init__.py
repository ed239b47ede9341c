"""Kubernetes protobuf request bodies, read into the JSON objects the rest of tinykube uses.

A body is ``k8s\\x00`` followed by a ``runtime.Unknown`` message: ``typeMeta``
(apiVersion, kind) and ``raw``, the object's own message, which ``schemas`` names
field by field. Only requests are read: answers are always JSON, which every client
that offers protobuf also accepts. A kind without a schema, or bytes that are not a
Kubernetes protobuf body, is refused like an unknown media type (415) or as malformed
(400). Zero values that Go writes for unset fields are left out, as JSON's omitempty
would; Status is never read (a create drops it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, UnsupportedMediaType

from . import wire
from .schemas import BY_KIND, F, Message

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"


def decode(data: bytes) -> Obj:
    """The object in a Kubernetes protobuf body, with its apiVersion and kind."""
    if not data.startswith(MAGIC):
        raise BadRequest("the protobuf body does not start with the Kubernetes magic number")
    try:
        api_version, kind, raw = _envelope(data[len(MAGIC):])
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"malformed protobuf body: {e}") from e
    schema = BY_KIND.get((api_version, kind))
    if schema is None:
        raise UnsupportedMediaType(
            f"protobuf bodies of {kind} ({api_version}) are not supported; send JSON")
    try:
        obj = message(raw, schema)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"malformed protobuf {kind}: {e}") from e
    return {"apiVersion": api_version, "kind": kind, **obj}


def _envelope(data: bytes) -> tuple[str, str, bytes]:
    api_version = kind = ""
    raw = b""
    for number, _, value in wire.fields(data):
        if number == 1 and isinstance(value, bytes):
            for n, _, v in wire.fields(value):
                if n == 1 and isinstance(v, bytes):
                    api_version = v.decode()
                elif n == 2 and isinstance(v, bytes):
                    kind = v.decode()
        elif number == 2 and isinstance(value, bytes):
            raw = value
    return api_version, kind, raw


def message(data: bytes, schema: Message) -> dict[str, Any]:
    """One message as a JSON object, empty values left out."""
    out: dict[str, Any] = {}
    seen: dict[str, F] = {}
    for number, _, value in wire.fields(data):
        f = schema.get(number)
        if f is None:
            continue
        seen[f.name] = f
        if f.type in ("strs", "msgs"):
            item = _scalar(f, value) if f.type == "strs" else message(_bytes(value), _sub(f))
            out.setdefault(f.name, []).append(item)
        elif f.type in ("map", "qmap"):
            key, val = _entry(_bytes(value), quantity=f.type == "qmap")
            out.setdefault(f.name, {})[key] = val
        else:
            out[f.name] = _scalar(f, value)
    return {k: v for k, v in out.items() if _present(seen[k], v)}


def _scalar(f: F, value: int | bytes) -> Any:
    if f.type == "int":
        return wire.signed(_int(value))
    if f.type == "bool":
        return bool(_int(value))
    data = _bytes(value)
    if f.type in ("str", "strs"):
        return data.decode()
    if f.type == "msg":
        return message(data, _sub(f))
    if f.type == "time":
        return _time(data)
    if f.type == "ios":
        return _int_or_string(data)
    raise ValueError(f"field {f.name}: unexpected type {f.type}")  # pragma: no cover


def _present(f: F, value: Any) -> bool:
    if value is None:
        return False
    if f.keep:
        return True
    return value not in ("", 0, False, {}, [])


def _entry(data: bytes, *, quantity: bool) -> tuple[str, str]:
    key = value = ""
    for n, _, v in wire.fields(data):
        if n == 1:
            key = _bytes(v).decode()
        elif n == 2:
            raw = _bytes(v)
            value = _quantity(raw) if quantity else raw.decode()
    return key, value


def _quantity(data: bytes) -> str:
    for n, _, v in wire.fields(data):
        if n == 1:
            return _bytes(v).decode()
    return ""


def _time(data: bytes) -> str | None:
    seconds = 0
    for n, _, v in wire.fields(data):
        if n == 1:
            seconds = wire.signed(_int(v))
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes) -> int | str:
    kind, number, text = 0, 0, ""
    for n, _, v in wire.fields(data):
        if n == 1:
            kind = _int(v)
        elif n == 2:
            number = wire.signed(_int(v))
        elif n == 3:
            text = _bytes(v).decode()
    return text if kind == 1 else number


def _sub(f: F) -> Message:
    if f.message is None:  # pragma: no cover - the schemas give every message field one
        raise ValueError(f"field {f.name} has no message schema")
    return f.message


def _int(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise ValueError("expected a varint")
    return value


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError("expected length-delimited bytes")
    return value
