"""recvmmsg/sendmmsg over loopback: datagrams in, replies of ID + tail back to each sender."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tinykube.dns import mmsg

pytestmark = pytest.mark.skipif(not mmsg.available(), reason="no recvmmsg/sendmmsg")


def pair(family: socket.AddressFamily, host: str) -> tuple[socket.socket, socket.socket]:
    server = socket.socket(family, socket.SOCK_DGRAM)
    client = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((host, 0))
    client.bind((host, 0))
    client.settimeout(3)
    server.settimeout(3)
    return server, client


def families() -> Iterator[tuple[socket.AddressFamily, str]]:
    yield socket.AF_INET, "127.0.0.1"
    if socket.has_ipv6:
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
                s.bind(("::1", 0))
        except OSError:
            return
        yield socket.AF_INET6, "::1"


@pytest.mark.parametrize(("family", "host"), list(families()))
def test_receive_then_answer_each_sender(family: socket.AddressFamily, host: str) -> None:
    server, client = pair(family, host)
    with server, client:
        server.setblocking(True)
        batch = mmsg.Batch(server, count=8, slot=64)
        sent = [b"\x00\x01query-one", b"\x00\x02q2", b"\x00\x03" + b"x" * 70]  # last: too big
        for data in sent:
            client.sendto(data, server.getsockname())
        got = 0
        while got < len(sent):  # the three may arrive in more than one batch
            n = batch.recv()
            for i, off, at, tail in batch.slots[:n]:
                size = batch.lengths[at]
                data = sent[got]
                assert size == min(len(data), batch.slot)
                assert bytes(batch.view[off : off + size]) == data[: batch.slot]
                assert batch.address(i)[:2] == client.getsockname()[:2]
                reply = b"-reply-" + data[2:4]
                batch.iov[tail] = mmsg.address_of(reply)
                batch.iov[tail + 1] = len(reply)
                batch.send(i, 1)  # ``reply`` is alive until sent
                got += 1
        answers = [client.recv(100) for _ in sent]
        assert answers == [data[:2] + b"-reply-" + data[2:4] for data in sent]


def test_shutdown_wakes_a_waiting_receive() -> None:
    server, client = pair(socket.AF_INET, "127.0.0.1")
    with server, client:
        server.settimeout(None)
        batch = mmsg.Batch(server, count=4)
        results: list[int] = []
        waiting = threading.Thread(target=lambda: results.append(batch.recv()))
        waiting.start()
        time.sleep(0.05)
        with pytest.raises(OSError):
            server.shutdown(socket.SHUT_RD)  # ENOTCONN for UDP, but the receive is woken
        waiting.join(3)
        assert not waiting.is_alive()
        assert all(batch.lengths[at] == 0 for _, _, at, _ in batch.slots[: results[0]])


def test_address_of_points_at_the_bytes() -> None:
    import ctypes

    data = b"some reply bytes"
    assert ctypes.string_at(mmsg.address_of(data), len(data)) == data
