"""The poller reports changes to their handlers, isolates a failing handler, and closes
sockets only after the batch that asked (so a stale event never meets a reused number)."""

from __future__ import annotations

import asyncio
import os
import socket

from tinykube.proxy.poller import IN, OUT, Poller


async def test_changes_reach_their_handlers_and_a_failing_one_harms_no_other() -> None:
    poller = Poller(asyncio.get_running_loop())
    a, a_peer = socket.socketpair()
    b, b_peer = socket.socketpair()
    seen: list[tuple[str, int]] = []
    got_b = asyncio.Event()

    def broken(events: int) -> None:
        seen.append(("a", events))
        raise RuntimeError("bug")

    def fine(events: int) -> None:
        seen.append(("b", events))
        got_b.set()

    try:
        poller.add(a.fileno(), broken)
        poller.add(b.fileno(), fine)
        a_peer.send(b"x")
        b_peer.send(b"y")
        await asyncio.wait_for(got_b.wait(), 5)
        assert {name for name, _ in seen} == {"a", "b"}
        assert all(events & IN for _, events in seen)
        seen.clear()
        poller.forget(b.fileno())
        b_peer.send(b"more")
        poller.want_output(a.fileno())  # writable now: reported
        await asyncio.sleep(0.05)
        assert seen and all(name == "a" and events & OUT for name, events in seen)
    finally:
        poller.close()
        for s in (a, a_peer, b, b_peer):
            s.close()


async def test_a_socket_closed_during_a_batch_stays_open_until_the_batch_ends() -> None:
    poller = Poller(asyncio.get_running_loop())
    a, a_peer = socket.socketpair()
    fd = a.detach()
    during: list[bool] = []
    done = asyncio.Event()

    def handler(events: int) -> None:
        poller.close_fd(fd)
        during.append(is_open(fd))  # not yet: the batch may still hold events for it
        asyncio.get_running_loop().call_soon(done.set)

    try:
        poller.add(fd, handler)
        a_peer.send(b"x")
        await asyncio.wait_for(done.wait(), 5)
        assert during == [True]
        assert not is_open(fd)
        assert fd not in poller.handlers
    finally:
        poller.close()
        a_peer.close()


def is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
