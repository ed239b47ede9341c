from __future__ import annotations

import json

from tinykube.cli import remote


def _status(**fields: object) -> bytes:
    return json.dumps({"kind": "Status", "apiVersion": "v1", **fields}).encode()


def test_success_is_zero() -> None:
    assert remote.exit_status(_status(status="Success")) == (0, "")
    assert remote.exit_status(b"") == (0, "")


def test_a_non_zero_exit_code_is_the_commands() -> None:
    raw = _status(status="Failure", reason="NonZeroExitCode",
                  message="command terminated with non-zero exit code",
                  details={"causes": [{"reason": "ExitCode", "message": "3"}]})
    assert remote.exit_status(raw) == (3, "command terminated with exit code 3")


def test_other_failures_are_errors() -> None:
    raw = _status(status="Failure", reason="InternalError",
                  message='executable file not found: "nope"')
    assert remote.exit_status(raw) == (1, 'error: executable file not found: "nope"')
    assert remote.exit_status(b"not json") == (1, "error: not json")
