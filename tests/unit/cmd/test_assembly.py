"""Assembly: a failed controller is started again; certificates name the listen address."""

from __future__ import annotations

import asyncio

import pytest

from tinykube.cmd import assembly


class _Flaky:
    def __init__(self) -> None:
        self.runs = 0
        self.second_run = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("boom")
        self.second_run.set()
        await asyncio.Event().wait()


async def test_a_failed_controller_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assembly, "RESTART_DELAYS", (0.0,))
    flaky = _Flaky()
    task = asyncio.create_task(assembly._supervise("flaky", flaky))
    await asyncio.wait_for(flaky.second_run.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert flaky.runs == 2


def test_certificates_name_a_specific_listen_address() -> None:
    assert assembly._extra_ips("0.0.0.0") == []
    assert assembly._extra_ips("127.0.0.1") == []
    assert assembly._extra_ips("localhost") == []
    assert assembly._extra_ips("192.0.2.7") == ["192.0.2.7"]
