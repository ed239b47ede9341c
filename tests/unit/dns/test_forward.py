"""The forwarder against a fake upstream on 127.0.0.1: replies are matched on ID and
question, failures fall over to the next upstream, and SERVFAIL comes within the deadline."""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode

from tinykube.dns import forward
from tinykube.dns.forward import Forwarder
from tinykube.testing.dns import FakeUpstream


async def test_falls_over_to_the_next_upstream() -> None:
    dead, alive = FakeUpstream(silent=True), FakeUpstream({("x.test", "A"): ["192.0.2.1"]})
    await dead.start()
    await alive.start()
    fwd = Forwarder([dead.address, alive.address], timeout=2.0, attempt_timeout=0.1)
    try:
        q = dns.message.make_query("x.test.", "A")
        msg = dns.message.from_wire(await fwd.forward(q.to_wire()))
        assert msg.id == q.id and msg.answer[0][0].address == "192.0.2.1"
        assert [u for _, _, u in dead.queries] == ["udp"] and len(alive.queries) == 1
    finally:
        await fwd.close()
        await dead.close()
        await alive.close()


async def test_spoofed_replies_are_ignored() -> None:
    """A reply with the wrong question (or ID) does not answer a pending query."""
    up = FakeUpstream({("x.test", "A"): ["192.0.2.1"]})
    await up.start()
    real = up.reply
    up.reply = lambda data, transport: real(  # type: ignore[method-assign]
        dns.message.make_query("other.test.", "A", id=int.from_bytes(data[:2], "big"))
        .to_wire(), transport)
    fwd = Forwarder([up.address], timeout=0.3, attempt_timeout=0.1)
    try:
        q = dns.message.make_query("x.test.", "A")
        msg = dns.message.from_wire(await fwd.forward(q.to_wire()))
        assert msg.rcode() == dns.rcode.SERVFAIL
    finally:
        await fwd.close()
        await up.close()


async def test_no_upstreams_is_servfail_at_once() -> None:
    fwd = Forwarder([])
    q = dns.message.make_query("x.test.", "A", use_edns=0)
    msg = dns.message.from_wire(await asyncio.wait_for(fwd.forward(q.to_wire()), 1))
    assert msg.rcode() == dns.rcode.SERVFAIL and msg.question[0].name.to_text() == "x.test."


async def test_lookup_for_chasing() -> None:
    up = FakeUpstream({("x.test", "AAAA"): ["2001:db8::1"]})
    await up.start()
    fwd = Forwarder([up.address])
    try:
        data = await fwd.lookup(b"\x01x\x04test\x00", 28)
        assert data is not None
        assert dns.message.from_wire(data).answer[0][0].address == "2001:db8::1"
    finally:
        await fwd.close()
        await up.close()


def test_client_limit() -> None:
    plain = dns.message.make_query("x.test.", "A").to_wire()
    assert forward.client_limit(plain, len(plain)) == 512
    edns = dns.message.make_query("x.test.", "A", use_edns=0, payload=4096).to_wire()
    assert forward.client_limit(edns, len(edns) - 11) == 4096
