from __future__ import annotations

from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.cli.verbs.wait import parse_for, parse_timeout
from tinykube.errors import ConfigError

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n"


def test_goals() -> None:
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}],
                        "phase": "Running"}}
    assert parse_for("condition=Ready").met(ready)
    assert parse_for("condition=ready").met(ready)
    assert not parse_for("condition=Ready=False").met(ready)
    assert not parse_for("condition=Ready").met(None)
    assert parse_for("delete").met(None)
    assert parse_for("jsonpath='{.status.phase}'=Running").met(ready)
    with pytest.raises(ConfigError, match="unrecognized condition"):
        parse_for("ready")


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("2m", 120), ("5", 5),
                                               ("500ms", 0.5)])
def test_timeouts(text: str, seconds: float) -> None:
    assert parse_timeout(text) == seconds


async def test_wait_for_a_condition_and_time_out(tk: Any) -> None:
    await tk("apply", "-f", tk.file("p.yaml", POD))
    r = await tk("wait", "--for=condition=Ready", "pod/p", "--timeout=0.3s")
    assert (r.code, r.err) == (1, "error: timed out waiting for the condition on pods/p\n")
    status = {"status": {"phase": "Running",
                         "conditions": [{"type": "Ready", "status": "True"}]}}
    await tk.api.client().patch(kinds.POD, "p", status, "default", subresource="status")
    r = await tk("wait", "--for=condition=Ready", "pod/p")
    assert (r.code, r.out) == (0, "pod/p condition met\n")


async def test_wait_for_delete(tk: Any) -> None:
    await tk("apply", "-f", tk.file("p.yaml", POD))
    await tk("delete", "pod", "p", "--wait=false")
    r = await tk("wait", "--for=delete", "pod/p")
    assert (r.code, r.out) == (0, "pod/p deleted\n"), r.err
