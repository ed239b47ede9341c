"""The server's side of the channel protocol of exec and attach (framing: ``wire.channels``).

Which streams a request asks for (query ``stdin``, ``stdout``, ``stderr``, ``tty``), what a
resize message says, and the final ``Status``. The server first sends an empty message on
the lowest channel it will write, which tells the client the stream is up, and ends with
the Status on channel 3:
``Success``, or ``Failure``/``NonZeroExitCode`` with the exit code as a cause, the words
kubectl prints ("command terminated with exit code 3"). Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tinykube.api.meta import Obj
from tinykube.wire.channels import ERROR, STDERR, STDOUT, frame


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
