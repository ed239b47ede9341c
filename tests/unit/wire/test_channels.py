"""The exec/attach channel framing both ends use."""

import pytest

from tinykube.wire import channels


def test_frames() -> None:
    assert channels.frame(channels.STDOUT, b"hi") == b"\x01hi"
    assert channels.frame(channels.CLOSE, bytes([channels.STDIN])) == b"\xff\x00"
    assert channels.split(b"\x00abc") == (channels.STDIN, b"abc")
    with pytest.raises(ValueError):
        channels.split(b"")
    assert channels.PROTOCOLS[0] == "v5.channel.k8s.io"
