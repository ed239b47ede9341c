"""Sockets made by NetnsSockets: non-blocking, options set, in batches."""

from __future__ import annotations

import os
import socket

import pytest

from tinykube.errors import SystemError_
from tinykube.host.nssocket import NetnsSockets


async def test_a_batch_of_sockets_with_options() -> None:
    made = await NetnsSockets(None).sockets(
        3, socket.AF_INET, socket.SOCK_STREAM,
        options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
                 (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)])
    try:
        assert len({s.fileno() for s in made}) == 3
        for s in made:
            assert s.gettimeout() == 0.0  # non-blocking
            assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert s.family == socket.AF_INET and s.type == socket.SOCK_STREAM
            assert type(s.type) is int  # no enum built per read
    finally:
        for s in made:
            s.close()


async def test_a_refused_option_is_an_error_and_leaks_nothing() -> None:
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(SystemError_, match="setsockopt"):
        await NetnsSockets(None).sockets(2, options=[(socket.SOL_SOCKET, 0x7FFF, 1)])
    assert len(os.listdir("/proc/self/fd")) == before


async def test_one_socket() -> None:
    s = await NetnsSockets(None).socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        assert s.gettimeout() == 0.0 and s.type == socket.SOCK_DGRAM
