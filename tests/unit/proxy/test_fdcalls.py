"""Socket calls on bare descriptors behave like their ``socket`` module counterparts."""

from __future__ import annotations

import errno
import os
import select
import socket

import pytest

from tinykube.proxy import fdcalls


def listening() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.setblocking(False)
    return s


def test_accept_gives_non_blocking_connections_then_none() -> None:
    with listening() as lsock:
        assert fdcalls.accept(lsock.fileno()) is None
        client = socket.create_connection(lsock.getsockname())
        select.select([lsock], [], [], 5)
        fd = fdcalls.accept(lsock.fileno())
        assert fd is not None and not os.get_blocking(fd)
        os.close(fd)
        client.close()


def test_connect_connected_shutdown_and_reset() -> None:
    with listening() as lsock:
        fd = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK).detach()
        assert not fdcalls.connected(fd)
        err = fdcalls.connect(fd, fdcalls.sockaddr(*lsock.getsockname()))
        assert err in (0, errno.EINPROGRESS)
        select.select([], [fd], [], 5)
        assert fdcalls.connected(fd)
        select.select([lsock], [], [], 5)
        peer, _ = lsock.accept()
        with peer:
            fdcalls.shutdown_write(fd)
            assert peer.recv(10) == b""  # EOF
            peer.send(b"still open")  # our receiving half is
            assert os.read(fd, 100) == b"still open"
            os.close(fd)


def test_reset_sends_rst() -> None:
    with listening() as lsock:
        client = socket.create_connection(lsock.getsockname())
        select.select([lsock], [], [], 5)
        fd = fdcalls.accept(lsock.fileno())
        assert fd is not None
        fdcalls.reset(fd)
        with client, pytest.raises(ConnectionResetError):
            client.recv(10)


def test_a_refused_connect_is_its_errno() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = unused.getsockname()
    fd = socket.socket(socket.AF_INET, socket.SOCK_STREAM).detach()  # blocking: at once
    try:
        assert fdcalls.connect(fd, fdcalls.sockaddr(*address)) == errno.ECONNREFUSED
    finally:
        os.close(fd)


def test_socket_addresses() -> None:
    v4 = fdcalls.sockaddr("10.1.2.3", 80)
    assert len(v4) == 16 and v4[2:4] == b"\x00\x50" and v4[4:8] == bytes([10, 1, 2, 3])
    v6 = fdcalls.sockaddr("fd00::1", 443)
    assert len(v6) == 28 and v6[2:4] == b"\x01\xbb" and v6[-5] == 1
