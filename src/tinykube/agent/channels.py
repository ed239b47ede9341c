"""The channel protocol of exec and attach over WebSocket (``v5``/``v4.channel.k8s.io``).

Every binary message starts with a channel byte: 0 stdin (client to server), 1 stdout,
2 stderr, 3 error (the final ``Status`` as JSON), 4 resize (``{"Width":..,"Height":..}``);
v5 adds 255, "close", whose payload names a channel the client will not write to again
(stdin: end of input). The server first sends an empty message on the lowest channel it
will write, which tells the client the stream is up, and ends with the Status on channel 3:
``Success``, or ``Failure``/``NonZeroExitCode`` with the exit code as a cause, the words
kubectl prints ("command terminated with exit code 3"). Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tinykube.api.meta import Obj

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


@dataclass(frozen=True)
class Streams:
    """What the client asked for (query ``stdin``, ``stdout``, ``stderr``, ``tty``)."""

    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool

    @property
    def first(self) -> int:
        """The channel of the "connected" message."""
        if self.stdout:
            return STDOUT
        if self.stderr and not self.tty:
            return STDERR
        return ERROR


def streams(query: dict[str, list[str]]) -> Streams:
    def flag(key: str, default: bool) -> bool:
        values = query.get(key)
        if not values:
            return default
        return values[-1].lower() in ("true", "1")
    tty = flag("tty", False)
    return Streams(stdin=flag("stdin", False), stdout=flag("stdout", True),
                   stderr=flag("stderr", True) and not tty, tty=tty)


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes((channel,)) + data


def split(message: bytes) -> tuple[int, bytes]:
    if not message:
        raise ValueError("empty channel message")
    return message[0], message[1:]


def resize(payload: bytes) -> tuple[int, int]:
    """(columns, rows) from a resize message."""
    size = json.loads(payload)
    return int(size.get("Width") or 0), int(size.get("Height") or 0)


def exit_status(code: int, command: list[str]) -> Obj:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
                   f"[{' '.join(command)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def failure(message: str) -> Obj:
    return {"metadata": {}, "status": "Failure", "message": message,
            "reason": "InternalError", "code": 500}


def status_frame(status: Obj) -> bytes:
    return frame(ERROR, json.dumps(status).encode())
