"""The framing of exec and attach over WebSocket (``v5``/``v4.channel.k8s.io``), both ends.

Every binary message starts with a channel byte: 0 stdin (client to server), 1 stdout,
2 stderr, 3 error (the final ``Status`` as JSON), 4 resize (``{"Width":..,"Height":..}``);
v5 adds 255, "close", whose payload names a channel the client will not write to again
(stdin: end of input). The node agent serves it (``agent.channels``, ``agent.wssession``)
and the client speaks it (``client.websocket``). Pure.
"""

from __future__ import annotations

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes((channel,)) + data


def split(message: bytes) -> tuple[int, bytes]:
    if not message:
        raise ValueError("empty channel message")
    return message[0], message[1:]
