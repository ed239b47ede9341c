"""A de-duplicating work queue with delayed and rate-limited adds (client-go's workqueue).

Keys, not objects, go through the queue: a reconcile reads the current state itself, so a
key added many times while waiting is handed out once, and a key added while a worker holds
it is handed out again after the worker calls ``done``. No key is ever held by two workers.

    queue  ── get() ──► processing ── done() ──► (back to queue if it was added meanwhile)
      ▲
      └── add() ◄── timers ◄── add_after() / add_rate_limited()

``add_after`` keeps one timer per key, the earliest asked for; ``add_rate_limited`` asks the
rate limiter for the delay (exponential per key by default) and ``forget`` resets it after
a success. ``shutdown`` stops new adds; ``get`` still hands out what is queued, then raises
``ShutDown``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from tinykube.machinery.clock import Clock, LoopClock, Timer
from tinykube.machinery.ratelimit import RateLimiter, default_controller_limiter

K = TypeVar("K", bound=Hashable)


class ShutDown(Exception):
    """``get`` on a queue that is shut down and empty."""


class WorkQueue(Generic[K]):
    def __init__(self, *, rate_limiter: RateLimiter[K] | None = None,
                 clock: Clock | None = None, name: str = "") -> None:
        self.name = name
        self._clock = clock or LoopClock()
        self._limiter: RateLimiter[K] = rate_limiter or default_controller_limiter(self._clock)
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiting: dict[K, tuple[float, Timer]] = {}
        self._ready = asyncio.Event()
        self._shutting_down = False

    # ------------------------------------------------------------------ adding

    def add(self, key: K) -> None:
        """Queue ``key`` unless it is already queued; a key being processed runs again later."""
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._ready.set()

    def add_after(self, key: K, delay: float) -> None:
        """Queue ``key`` after ``delay`` seconds (at once when ``delay <= 0``)."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        when = self._clock.now() + delay
        pending = self._waiting.get(key)
        if pending is not None:
            if pending[0] <= when:
                return
            pending[1].cancel()
        timer = self._clock.call_later(delay, lambda: self._fire(key))
        self._waiting[key] = (when, timer)

    def add_rate_limited(self, key: K) -> None:
        """Queue ``key`` after the rate limiter's delay for it (one more failure counted)."""
        self.add_after(key, self._limiter.when(key))

    def forget(self, key: K) -> None:
        """``key`` succeeded: its next failure starts at the shortest delay again."""
        self._limiter.forget(key)

    def retries(self, key: K) -> int:
        return self._limiter.retries(key)

    def _fire(self, key: K) -> None:
        self._waiting.pop(key, None)
        self.add(key)

    # ------------------------------------------------------------------ taking

    async def get(self) -> K:
        """The next key; the caller must call ``done(key)`` when finished with it."""
        while not self._queue:
            if self._shutting_down:
                raise ShutDown(self.name)
            self._ready.clear()
            await self._ready.wait()
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: K) -> None:
        """The worker is finished with ``key``; re-queue it if it was added meanwhile."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._ready.set()

    def shutdown(self) -> None:
        """Refuse new keys, drop pending timers, and wake every waiting ``get``."""
        self._shutting_down = True
        for _, timer in self._waiting.values():
            timer.cancel()
        self._waiting.clear()
        self._ready.set()

    # ------------------------------------------------------------------ looking

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def __len__(self) -> int:
        """Keys ready to be handed out (not those waiting on a timer or being processed)."""
        return len(self._queue)

    def waiting(self) -> int:
        """Keys waiting on a timer."""
        return len(self._waiting)

    def processing(self) -> int:
        return len(self._processing)
