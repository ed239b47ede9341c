"""Upstream choice: flag values parsed, the host's resolvers read, what cannot work left
out with a reason (never a query sent: these are pure checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinykube.dns import upstreams
from tinykube.errors import ConfigError


@pytest.mark.parametrize(("text", "want"), [
    ("1.1.1.1", ("1.1.1.1", 53)),
    ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("127.0.0.1#5353", ("127.0.0.1", 5353)),
    ("::1", ("::1", 53)),
    ("[::1]:5353", ("::1", 5353)),
    ("[fd00::1]", ("fd00::1", 53)),
])
def test_parse(text: str, want: tuple[str, int]) -> None:
    assert upstreams.parse(text) == want


@pytest.mark.parametrize("text", ["dns.google", "1.1.1.1:0", "1.1.1.1:99999", "[::1",
                                  "1.1.1.1:x", ""])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        upstreams.parse(text)


def test_what_cannot_work_is_left_out_with_a_reason() -> None:
    kept, dropped = upstreams.usable([
        ("127.0.0.53", 53), ("0.0.0.0", 53), ("224.0.0.251", 53), ("fe80::1", 53),
        ("fe80::1%eth0", 53), ("127.0.0.53", 53), ("192.0.2.1", 53),
    ])
    assert kept == [("127.0.0.53", 53), ("fe80::1%eth0", 53), ("192.0.2.1", 53)]
    assert dict(dropped) == {("0.0.0.0", 53): "unspecified address",
                             ("224.0.0.251", 53): "not a unicast address",
                             ("fe80::1", 53): "IPv6 link-local address without a %interface"}


def test_the_server_itself_is_not_an_upstream() -> None:
    me = ("127.0.0.1", 53)
    assert upstreams.rejection(("127.0.0.1", 53), own=me) is not None
    assert upstreams.rejection(("127.0.0.1", 5353), own=me) is None
    assert upstreams.rejection(("127.0.0.53", 53), own=me) is None
    assert upstreams.rejection(("127.0.0.53", 53), own=("0.0.0.0", 53)) is not None
    # In another namespace (own=None) the same address is somebody else.
    assert upstreams.rejection(("127.0.0.1", 53)) is None


def test_choose_prefers_the_flag_and_else_reads_resolv_conf(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("search example.test\nnameserver 127.0.0.53\nnameserver 0.0.0.0\n")
    assert upstreams.choose([("127.0.0.1", 5300)], resolv_conf=str(conf)) == [
        ("127.0.0.1", 5300)]
    assert upstreams.choose(None, resolv_conf=str(conf)) == [("127.0.0.53", 53)]
    assert "0.0.0.0" in caplog.text and "unspecified" in caplog.text
    assert upstreams.choose(None, resolv_conf=str(tmp_path / "missing")) == []
    assert "SERVFAIL" in caplog.text
