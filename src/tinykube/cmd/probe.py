"""Asking a cluster whether it answers: one HTTPS GET, verified against the cluster's CA.

Used by ``up -d`` (wait for ``/readyz``), ``version`` (read ``/version``) and ``status``
(a few GETs on one ``Session``). Synchronous and stdlib only: these run before or after
the event loop, never inside it.
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


class Session:
    """GETs to one server over one connection (one TLS handshake for all of them)."""

    def __init__(self, server: str, *, ca_file: Path, token: str, timeout: float = 2.0) -> None:
        parts = urlsplit(server)
        self.server = server
        self._token = token
        ctx = ssl.create_default_context(cafile=str(ca_file))
        self._conn = http.client.HTTPSConnection(
            parts.hostname or "127.0.0.1", parts.port or 443, timeout=timeout, context=ctx
        )

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> Answer:
        """GET ``path``. Raises ``OSError`` (incl. ``ssl.SSLError``) when nothing answers."""
        try:
            self._conn.request("GET", path, headers={"Authorization": f"Bearer {self._token}"})
            resp = self._conn.getresponse()
            return Answer(resp.status, resp.read())
        except http.client.HTTPException as e:
            self._conn.close()
            raise OSError(f"bad answer from {self.server}: {e}") from e

    def close(self) -> None:
        self._conn.close()


def get(server: str, path: str, *, ca_file: Path, token: str, timeout: float = 2.0) -> Answer:
    """GET ``server + path``. Raises ``OSError`` (incl. ``ssl.SSLError``) when nothing answers."""
    with Session(server, ca_file=ca_file, token=token, timeout=timeout) as session:
        return session.get(path)


def is_ready(server: str, *, ca_file: Path, token: str) -> bool:
    """True when ``/readyz`` answers 200."""
    try:
        return get(server, "/readyz", ca_file=ca_file, token=token).status == 200
    except OSError:
        return False
