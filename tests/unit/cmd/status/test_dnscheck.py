"""The DNS question: against a fake resolver on loopback, from an ordinary socket."""

from __future__ import annotations

import asyncio
import socket

from tinykube.cmd.status import dnscheck
from tinykube.cmd.status.facts import DnsFacts
from tinykube.testing.dns import FakeUpstream

NAME = "kubernetes.default.svc.cluster.local"


def _udp() -> socket.socket:
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


async def _ask(fake: FakeUpstream, expected: str = "10.96.0.1",
               timeout: float = 2.0) -> DnsFacts:
    host, port = await fake.start()
    try:
        return await asyncio.to_thread(dnscheck.ask, _udp, host, NAME, expected, port=port,
                                       timeout=timeout)
    finally:
        await fake.close()


async def test_the_answer() -> None:
    facts = await _ask(FakeUpstream({(NAME, "A"): ["10.96.0.1"]}))
    assert facts.answers == ("10.96.0.1",) and facts.error == ""
    assert facts.name == NAME and facts.expected == "10.96.0.1"
    assert facts.server.startswith("127.0.0.1:")


async def test_nxdomain_is_an_error() -> None:
    facts = await _ask(FakeUpstream({}))
    assert (facts.answers, facts.error) == ((), "NXDOMAIN")


async def test_silence_is_a_timeout() -> None:
    facts = await _ask(FakeUpstream(silent=True), timeout=0.2)
    assert facts.error == "no answer within 0.2 s"


def test_no_socket() -> None:
    def refuse() -> socket.socket:
        raise PermissionError(1, "Operation not permitted")

    facts = dnscheck.ask(refuse, "172.18.0.2", NAME, "10.96.0.1")
    assert facts.error.startswith("cannot make a socket to ask from")
