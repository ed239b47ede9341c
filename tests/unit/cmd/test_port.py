"""A port in use is one clear sentence."""

from __future__ import annotations

import socket

import pytest

from tinykube.cmd import port
from tinykube.errors import ConfigError


def test_port_in_use_is_a_config_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        with pytest.raises(ConfigError) as e:
            port.check_free("127.0.0.1", busy)
    assert str(e.value) == f"port {busy} is in use: is another tinykube running? try --port"


def test_free_port_can_be_listened_on() -> None:
    port.check_free("127.0.0.1", port.free_port())


def test_address_not_on_this_machine() -> None:
    with pytest.raises(ConfigError, match="no such address"):
        port.check_free("192.0.2.123", port.free_port())


def test_only_bind_failures_are_reported_as_address_problems() -> None:
    import errno
    import ssl

    assert port.is_bind_error(OSError(errno.EADDRINUSE, "in use"))
    assert not port.is_bind_error(OSError(errno.ENOENT, "no such file"))
    assert not port.is_bind_error(ssl.SSLError(errno.EACCES, "bad key"))
