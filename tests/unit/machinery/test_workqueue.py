import asyncio

import pytest

from tinykube.machinery.ratelimit import ItemExponential
from tinykube.machinery.workqueue import ShutDown, WorkQueue
from tinykube.testing.clock import FakeClock, settle


def make(clock: FakeClock | None = None) -> WorkQueue[str]:
    clock = clock or FakeClock()
    return WorkQueue(rate_limiter=ItemExponential(base=1.0, max_delay=8.0), clock=clock)


async def test_a_key_added_twice_is_handed_out_once():
    q = make()
    q.add("a")
    q.add("b")
    q.add("a")
    assert len(q) == 2
    assert await q.get() == "a"
    assert await q.get() == "b"
    assert len(q) == 0


async def test_a_key_added_while_processing_comes_back_after_done():
    q = make()
    q.add("a")
    key = await q.get()
    q.add("a")
    q.add("a")
    assert len(q) == 0  # not handed to a second worker while held
    q.done(key)
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    assert len(q) == 0


async def test_get_waits_for_an_add():
    q = make()
    getter = asyncio.create_task(q.get())
    await settle()
    assert not getter.done()
    q.add("x")
    assert await asyncio.wait_for(getter, 5) == "x"


async def test_two_workers_never_hold_the_same_key():
    q = make()
    w1 = asyncio.create_task(q.get())
    w2 = asyncio.create_task(q.get())
    await settle()
    q.add("a")
    await settle()
    assert sum(t.done() for t in (w1, w2)) == 1
    q.add("a")  # re-added while held: must wait for done
    await settle()
    assert sum(t.done() for t in (w1, w2)) == 1
    q.done("a")
    await asyncio.wait_for(asyncio.gather(w1, w2), 5)
    assert {w1.result(), w2.result()} == {"a"}


async def test_add_after_waits_for_the_clock():
    clock = FakeClock()
    q = make(clock)
    q.add_after("a", 5.0)
    assert len(q) == 0 and q.waiting() == 1
    await clock.advance(4.9)
    assert len(q) == 0
    await clock.advance(0.2)
    assert len(q) == 1 and q.waiting() == 0


async def test_add_after_keeps_the_earliest_time():
    clock = FakeClock()
    q = make(clock)
    q.add_after("a", 10.0)
    q.add_after("a", 2.0)
    q.add_after("a", 7.0)
    await clock.advance(2.0)
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    await clock.advance(20.0)
    assert len(q) == 0  # the later timers were dropped


async def test_rate_limited_adds_back_off_exponentially_until_forget():
    clock = FakeClock()
    q = make(clock)
    q.add_rate_limited("a")  # 1 s
    await clock.advance(1.0)
    assert len(q) == 1
    await q.get()
    q.done("a")
    q.add_rate_limited("a")  # 2 s
    await clock.advance(1.5)
    assert len(q) == 0
    await clock.advance(0.5)
    assert len(q) == 1
    assert q.retries("a") == 2
    q.forget("a")
    assert q.retries("a") == 0


async def test_shutdown_drains_then_raises_and_ignores_new_keys():
    q = make()
    q.add("a")
    q.shutdown()
    q.add("b")
    assert await q.get() == "a"
    with pytest.raises(ShutDown):
        await q.get()


async def test_shutdown_wakes_waiting_getters_and_cancels_timers():
    clock = FakeClock()
    q = make(clock)
    q.add_after("later", 3.0)
    getter = asyncio.create_task(q.get())
    await settle()
    q.shutdown()
    with pytest.raises(ShutDown):
        await asyncio.wait_for(getter, 5)
    assert clock.pending == 0
