from __future__ import annotations

import pytest

from tinykube.apiserver.auth import ANONYMOUS, TokenAuthenticator, is_public, new_token
from tinykube.errors import Unauthorized


def test_a_known_token_passes() -> None:
    a = TokenAuthenticator(["abc", "def"])
    assert a.authenticate("Bearer def", "/api/v1/services") != ANONYMOUS
    assert a.authenticate("bearer abc", "/api") != ANONYMOUS


@pytest.mark.parametrize("header", [None, "", "Bearer nope", "Basic abc", "Bearer"])
def test_missing_or_wrong_tokens_are_refused(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        TokenAuthenticator(["abc"]).authenticate(header, "/api/v1/services")


def test_public_paths_need_no_token_but_refuse_a_wrong_one() -> None:
    a = TokenAuthenticator(["abc"])
    for path in ("/version", "/healthz", "/livez", "/readyz", "/healthz/ping"):
        assert a.authenticate(None, path) == ANONYMOUS
    with pytest.raises(Unauthorized):
        a.authenticate("Bearer wrong", "/version")


def test_is_public() -> None:
    assert is_public("/readyz")
    assert not is_public("/version/x")
    assert not is_public("/api")


def test_new_tokens_are_random_and_long() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 40
