"""Asking a cluster whether it answers: one HTTPS GET, verified against the cluster's CA.

Used by ``up -d`` (wait for ``/readyz``) and ``version`` (read ``/version``). Synchronous
and stdlib only: these run before or after the event loop, never inside it.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def get(server: str, path: str, *, ca_file: Path, token: str, timeout: float = 2.0) -> Answer:
    """GET ``server + path``. Raises ``OSError`` (incl. ``ssl.SSLError``) when nothing answers."""
    parts = urlsplit(server)
    ctx = ssl.create_default_context(cafile=str(ca_file))
    conn = http.client.HTTPSConnection(
        parts.hostname or "127.0.0.1", parts.port or 443, timeout=timeout, context=ctx
    )
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        return Answer(resp.status, resp.read())
    except http.client.HTTPException as e:
        raise OSError(f"bad answer from {server}: {e}") from e
    finally:
        conn.close()


def is_ready(server: str, *, ca_file: Path, token: str) -> bool:
    """True when ``/readyz`` answers 200."""
    try:
        return get(server, "/readyz", ca_file=ca_file, token=token).status == 200
    except OSError:
        return False
