"""HTTP responses the API sends: JSON bodies, Status errors and Warning headers.

Every body is encoded with orjson into bytes once and sent with a Content-Length.
Warnings follow RFC 7234's ``299 - "<text>"``; kubectl drops a warning whose inner
quotes are not backslash-escaped, so they always are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from tinykube.errors import ApiError
from tinykube.wire import codec, status

from .negotiation import JSON


def json(value: Any, code: int = 200, *, warnings: Iterable[str] = (),
         content_type: str = JSON) -> web.Response:
    return raw(codec.dumps(value), code, warnings=warnings, content_type=content_type)


def raw(body: bytes, code: int = 200, *, warnings: Iterable[str] = (),
        content_type: str = JSON) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict({"Content-Type": content_type})
    for text in warnings:
        headers.add("Warning", warning(text))
    return web.Response(body=body, status=code, headers=headers)


def error(err: ApiError) -> web.Response:
    resp = json(status.body(err), err.code)
    if err.retry_after is not None:
        resp.headers["Retry-After"] = str(err.retry_after)
    return resp


def text(body: str, code: int = 200) -> web.Response:
    return web.Response(body=body.encode(), status=code,
                        headers={"Content-Type": "text/plain; charset=utf-8"})


def warning(message: str) -> str:
    """One ``Warning`` header value: code 299, agent ``-``, the text quoted and escaped."""
    flat = " ".join(message.split())
    escaped = flat.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'
