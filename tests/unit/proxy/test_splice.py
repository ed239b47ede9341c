"""A splice pipe takes what a socket has, holds what the destination refuses, and
delivers it in order."""

from __future__ import annotations

import os
import socket

from tinykube.proxy.splice import Pipe


def pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def test_fill_hold_drain_in_order_and_end_of_stream() -> None:
    writer, src = pair()
    dst, reader = pair()
    dst.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # refuses most at once
    payload = os.urandom(100_000)
    writer.sendall(payload)
    writer.shutdown(socket.SHUT_WR)
    pipe = Pipe()
    got = bytearray()
    try:
        while True:
            if not pipe.held:
                n = pipe.fill(src.fileno())
                if n == 0:
                    break  # end of stream
                assert n > 0
            pipe.drain(dst.fileno())
            if pipe.held:  # dst is full: read some to make room
                got += reader.recv(1 << 20)
        dst.close()
        while chunk := reader.recv(1 << 20):
            got += chunk
        assert bytes(got) == payload
    finally:
        pipe.close()
        pipe.close()  # idempotent
        for s in (writer, src, reader):
            s.close()


def test_nothing_to_take_is_not_an_error() -> None:
    writer, src = pair()
    pipe = Pipe()
    try:
        assert pipe.fill(src.fileno()) == -1 and pipe.held == 0
    finally:
        pipe.close()
        writer.close()
        src.close()
