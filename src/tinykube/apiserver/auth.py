"""Bearer-token authentication, the only kind tinykube's API server knows.

Kubernetes serves a few paths to anonymous users (``/healthz``, ``/livez``, ``/readyz``,
``/version``: the ``system:public-info-viewer`` role); every other request needs a token
from the configured set. As in Kubernetes, a token that is present but wrong is refused
everywhere, even on the public paths: a bad credential is an error, not anonymity.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable

from tinykube.errors import Unauthorized

PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
ANONYMOUS = "system:anonymous"
ADMIN = "admin"


def new_token() -> str:
    """A fresh random token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


def is_public(path: str) -> bool:
    """Paths served without a token (and their sub-checks, e.g. ``/healthz/ping``)."""
    if path in PUBLIC_PATHS:
        return True
    head = path.split("/", 2)[1] if path.count("/") >= 2 else ""
    return f"/{head}" in PUBLIC_PATHS and head != "version"


class TokenAuthenticator:
    """Checks ``Authorization: Bearer <token>`` against a fixed set of tokens."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = tuple(t.encode() for t in tokens if t)

    def authenticate(self, authorization: str | None, path: str) -> str:
        """The user name for a request, or ``Unauthorized`` when it may not pass."""
        if not authorization:
            if is_public(path):
                return ANONYMOUS
            raise Unauthorized("Unauthorized")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not self._known(token.strip().encode()):
            raise Unauthorized("Unauthorized")
        return ADMIN

    def _known(self, token: bytes) -> bool:
        found = False
        for t in self._tokens:  # compare against all: no early exit to time
            found |= hmac.compare_digest(t, token)
        return found
