"""Sockets made by NetnsSockets: non-blocking, options set, in batches."""

from __future__ import annotations

import os
import socket

import pytest

from tinykube.errors import SystemError_
from tinykube.host.nssocket import NetnsSockets


async def test_a_batch_of_descriptors_with_options() -> None:
    made = await NetnsSockets(None).descriptors(
        3, socket.AF_INET, socket.SOCK_STREAM,
        options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
                 (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)])
    try:
        assert len(set(made)) == 3
        for fd in made:
            assert not os.get_blocking(fd)
            assert os.get_inheritable(fd) is False  # close-on-exec
            with socket.socket(fileno=os.dup(fd)) as s:
                assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
                assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert s.family == socket.AF_INET and s.type == socket.SOCK_STREAM
    finally:
        for fd in made:
            os.close(fd)


async def test_a_refused_option_is_an_error_and_leaks_nothing() -> None:
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(SystemError_, match="setsockopt"):
        await NetnsSockets(None).descriptors(2, options=[(socket.SOL_SOCKET, 0x7FFF, 1)])
    assert len(os.listdir("/proc/self/fd")) == before


async def test_one_socket() -> None:
    s = await NetnsSockets(None).socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        assert s.gettimeout() == 0.0 and s.type == socket.SOCK_DGRAM
