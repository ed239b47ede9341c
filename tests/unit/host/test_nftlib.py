"""libnftables binding: the generation message, a context's runs and its error locations."""

from __future__ import annotations

import struct

import pytest

from tinykube.errors import SystemError_
from tinykube.host import nftlib

LIB = nftlib.load()
needs_lib = pytest.mark.skipif(LIB is None, reason=f"no libnftables: {nftlib.load_error()}")

NEWGEN = (nftlib.NFNL_SUBSYS_NFTABLES << 8) | nftlib.NFT_MSG_NEWGEN


def newgen(gen: int, *, attr: bool = True, res_id: int = 0) -> bytes:
    attrs = struct.pack("=HH", 8, nftlib.NFTA_GEN_ID) + struct.pack("!I", gen) if attr else b""
    body = struct.pack("=BBH", 0, 0, struct.unpack("=H", struct.pack("!H", res_id))[0]) + attrs
    return struct.pack("=IHHII", 16 + len(body), NEWGEN, 0, 1, 0) + body


def test_the_getgen_request_is_a_bare_nftables_message() -> None:
    msg = nftlib.getgen_request(7)
    length, kind, flags, seq, pid = struct.unpack_from("=IHHII", msg)
    assert (length, kind, flags, seq, pid) == (
        20, (10 << 8) | 16, nftlib.NLM_F_REQUEST, 7, 0)
    assert len(msg) == 20


def test_the_generation_is_read_from_its_attribute_or_the_header() -> None:
    assert nftlib.parse_newgen(newgen(123456)) == 123456
    assert nftlib.parse_newgen(newgen(0, attr=False, res_id=42)) == 42


def test_a_netlink_error_or_a_stranger_message_is_refused() -> None:
    error = struct.pack("=IHHII", 36, nftlib.NLMSG_ERROR, 0, 1, 0) + struct.pack("=i", -1)
    with pytest.raises(SystemError_, match="Operation not permitted"):
        nftlib.parse_newgen(error + bytes(16))
    with pytest.raises(SystemError_, match="unexpected"):
        nftlib.parse_newgen(struct.pack("=IHHII", 20, 99, 0, 1, 0) + bytes(4))
    with pytest.raises(SystemError_):
        nftlib.parse_newgen(b"\0" * 8)


@needs_lib
def test_a_context_runs_commands_and_lists_in_json() -> None:
    assert LIB is not None
    ctx = nftlib.Context(LIB)
    try:
        done = ctx.run("describe tcp dport")
        assert done.ok and "inet_service" in done.output
        assert ctx.run("describe tcp dport", json=True).ok  # the flag is set and cleared
        assert "inet_service" in ctx.run("describe tcp dport").output
    finally:
        ctx.close()
    with pytest.raises(SystemError_):
        ctx.run("describe tcp dport")


@needs_lib
def test_errors_name_the_failing_line_of_the_input() -> None:
    assert LIB is not None
    ctx = nftlib.Context(LIB)
    try:
        done = ctx.run("describe tcp dport\ndescribe ip version\nfrobnicate the table\n")
    finally:
        ctx.close()
    assert not done.ok
    assert "input:3:" in done.error and "frobnicate the table" in done.error
    assert "/proc/self/fd" not in done.error


class FakeSocket:
    def __init__(self, *answers: bytes) -> None:
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> int:
        self.sent.append(data)
        return len(data)

    def recv(self, size: int) -> bytes:
        return self.answers.pop(0)


def with_seq(msg: bytes, seq: int) -> bytes:
    return msg[:8] + struct.pack("=I", seq) + msg[12:]


def test_a_late_answer_to_an_earlier_request_is_skipped() -> None:
    gen = nftlib.Generation.__new__(nftlib.Generation)
    gen.seq = 4
    sock = FakeSocket(with_seq(newgen(1), 4), with_seq(newgen(2), 5))
    gen.sock = sock  # type: ignore[assignment]
    assert gen.get() == 2
    assert struct.unpack_from("=I", sock.sent[0], 8)[0] == 5
