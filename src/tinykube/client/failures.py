"""What goes wrong between a client and the API server, as ``errors`` classes.

Both ways of talking to the server, request/response and streams (``rest.py``) and the
exec/attach WebSocket (``websocket.py``), fail alike: a refused connection is
``ClusterNotRunning``, a TLS failure ``ConfigError``, any other transport failure
``ServiceUnavailable``, and an HTTP error is rebuilt from its ``Status`` body (a body that
is not a Status still gives the class of its HTTP code). Nothing above ``client`` imports
aiohttp to catch its exceptions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import aiohttp

from tinykube.errors import (
    ApiError,
    BadRequest,
    ClusterNotRunning,
    ConfigError,
    ServiceUnavailable,
    from_status,
)
from tinykube.wire import codec


@contextlib.contextmanager
def translated(base_url: str, what: str) -> Iterator[None]:
    """aiohttp's failures as ours; ``what`` says which call failed."""
    try:
        yield
    except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as e:
        raise ConfigError(f"TLS to {base_url} failed: {e}") from e
    except aiohttp.ClientConnectorError as e:
        raise ClusterNotRunning(f"cannot connect to {base_url}: {e}") from e
    except (TimeoutError, aiohttp.ClientError) as e:
        raise ServiceUnavailable(f"{what}: {type(e).__name__}: {e}".rstrip(": ")) from e


def response_error(code: int, raw: bytes, headers: Mapping[str, str]) -> ApiError:
    """The ``ApiError`` for an error response: its Status body, or its HTTP code."""
    status: Any = None
    with contextlib.suppress(BadRequest):
        status = codec.loads(raw) if raw.strip() else None
    if not (isinstance(status, dict) and status.get("kind") == "Status"):
        text = raw.decode("utf-8", "replace").strip()[:500]
        status = {"code": code, "message": text or f"the server responded with HTTP {code}"}
    err = from_status(status, code)
    retry_after = headers.get("Retry-After", "")
    if retry_after.isdigit():
        err.retry_after = int(retry_after)
    return err
