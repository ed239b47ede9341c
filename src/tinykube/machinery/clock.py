"""Time as the control loops see it: a ``Clock`` they are handed, never the wall.

Work queues, rate limiters, the bounded-frequency runner and informer backoff all wait.
They read the time and schedule wake-ups through a ``Clock`` so tests can drive them with
``tinykube.testing.clock.FakeClock`` and assert behaviour without sleeping or timing.
``LoopClock`` is the real one: the running asyncio loop's monotonic time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    """A scheduled callback that can be called off (``asyncio.TimerHandle`` is one)."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Monotonic seconds, delayed callbacks and sleeping."""

    def now(self) -> float:
        """Seconds on a monotonic scale; only differences mean anything."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` (on the event loop) after ``delay`` seconds."""
        ...

    async def sleep(self, delay: float) -> None:
        """Return after ``delay`` seconds."""
        ...


class LoopClock:
    """The running asyncio loop's clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)

    async def sleep(self, delay: float) -> None:
        await asyncio.sleep(max(0.0, delay))

