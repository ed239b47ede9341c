import asyncio
from collections.abc import AsyncIterator

import pytest

from tinykube.errors import Retry
from tinykube.machinery.runner import BoundedFrequencyRunner
from tinykube.testing.clock import FakeClock, settle


class Sync:
    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail_with: BaseException | None = None

    async def __call__(self) -> None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            err, self.fail_with = self.fail_with, None
            raise err


@pytest.fixture
async def clock() -> FakeClock:
    return FakeClock()


async def start(r: BoundedFrequencyRunner) -> asyncio.Task[None]:
    task = asyncio.create_task(r.loop())
    await settle()
    return task


@pytest.fixture
async def running() -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_run_runs_at_once_then_waits_min_interval(clock, running):
    fn = Sync()
    r = BoundedFrequencyRunner("t", fn, min_interval=1.0, max_interval=60.0, clock=clock)
    running.append(await start(r))
    r.run()
    await settle()
    assert fn.calls == 1
    r.run()
    await settle()
    assert fn.calls == 1  # rate limited
    await clock.advance(0.5)
    assert fn.calls == 1
    await clock.advance(0.5)
    assert fn.calls == 2


async def test_requests_are_coalesced(clock, running):
    fn = Sync()
    r = BoundedFrequencyRunner("t", fn, min_interval=1.0, max_interval=60.0, clock=clock)
    running.append(await start(r))
    r.run()
    await settle()
    for _ in range(10):
        r.run()
    await clock.advance(5.0)
    assert fn.calls == 2


async def test_requests_during_a_run_cause_exactly_one_more(clock, running):
    fn = Sync()
    fn.gate = asyncio.Event()
    r = BoundedFrequencyRunner("t", fn, min_interval=0.0, max_interval=60.0, clock=clock)
    running.append(await start(r))
    r.run()
    await settle()
    assert fn.calls == 1
    r.run()
    r.run()
    fn.gate.set()
    await settle()
    assert fn.calls == 2
    await settle()
    assert fn.calls == 2


async def test_burst_allows_back_to_back_runs(clock, running):
    fn = Sync()
    r = BoundedFrequencyRunner("t", fn, min_interval=1.0, max_interval=60.0, burst=2,
                               clock=clock)
    running.append(await start(r))
    r.run()
    await settle()
    r.run()
    await settle()
    assert fn.calls == 2
    r.run()
    await settle()
    assert fn.calls == 2


async def test_runs_every_max_interval_without_requests(clock, running):
    fn = Sync()
    r = BoundedFrequencyRunner("t", fn, min_interval=1.0, max_interval=10.0, clock=clock)
    running.append(await start(r))
    await clock.advance(9.0)
    assert fn.calls == 0
    await clock.advance(1.0)
    assert fn.calls == 1
    await clock.advance(10.0)
    assert fn.calls == 2


async def test_retry_from_fn_schedules_a_run(clock, running):
    fn = Sync()
    fn.fail_with = Retry(3.0)
    r = BoundedFrequencyRunner("t", fn, min_interval=0.1, max_interval=100.0, clock=clock)
    running.append(await start(r))
    r.run()
    await settle()
    assert fn.calls == 1
    await clock.advance(2.9)
    assert fn.calls == 1
    await clock.advance(0.2)
    assert fn.calls == 2


async def test_a_failing_fn_is_retried_not_fatal(clock, running):
    fn = Sync()
    fn.fail_with = RuntimeError("boom")
    r = BoundedFrequencyRunner("t", fn, min_interval=0.1, max_interval=100.0, clock=clock)
    task = await start(r)
    running.append(task)
    r.run()
    await settle()
    assert fn.calls == 1 and not task.done()
    await clock.advance(1.0)
    assert fn.calls == 2


def test_bad_intervals_are_refused():
    async def fn() -> None: ...

    with pytest.raises(ValueError):
        BoundedFrequencyRunner("t", fn, min_interval=2.0, max_interval=1.0)
    with pytest.raises(ValueError):
        BoundedFrequencyRunner("t", fn, min_interval=0.0, max_interval=1.0, burst=0)


async def test_loop_stops_on_cancel(clock):
    fn = Sync()
    r = BoundedFrequencyRunner("t", fn, min_interval=1.0, max_interval=10.0, clock=clock)
    task = await start(r)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
