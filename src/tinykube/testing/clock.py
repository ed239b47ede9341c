"""A clock that moves only when a test says so.

``FakeClock.advance(seconds)`` fires every timer that falls due, in time order, and lets
the event loop run the woken tasks. Pair it with ``testing.wait.eventually`` to assert what
happened "after 5 s" without a test ever sleeping 5 s.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Implements ``machinery.clock.Clock``; time starts at ``start`` and never runs alone."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._timers: list[_Timer] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> _Timer:
        timer = _Timer(self._now + max(0.0, delay), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    async def sleep(self, delay: float) -> None:
        done = asyncio.Event()
        self.call_later(delay, done.set)
        await done.wait()

    @property
    def pending(self) -> int:
        """How many timers are waiting (cancelled ones excluded)."""
        return sum(1 for t in self._timers if not t.cancelled)

    def next_due(self) -> float | None:
        """When the earliest live timer fires, if any."""
        live = [t.when for t in self._timers if not t.cancelled]
        return min(live) if live else None

    async def advance(self, seconds: float) -> None:
        """Move time forward, firing due timers in order and letting woken tasks run."""
        target = self._now + seconds
        while self._timers and self._timers[0].when <= target:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, timer.when)
            timer.callback()
            await settle()
        self._now = target
        await settle()


async def settle(rounds: int = 20) -> None:
    """Let every ready task run a few steps (callbacks, woken waiters, their follow-ups)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
