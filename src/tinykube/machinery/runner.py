"""Run a sync function on request, but neither too often nor too rarely.

kube-proxy's ``BoundedFrequencyRunner``: ``run()`` asks for a sync and returns at once;
requests that arrive while one is pending or running are coalesced into one more run. Runs
are rate limited by a token bucket (``burst`` runs, then one per ``min_interval``), and a run
happens at least every ``max_interval`` even when nobody asks, to repair drift.

The function raising ``errors.Retry(delay)`` asks for another run after ``delay``; any other
exception is logged and retried after ``min_interval`` (at least 1 s, so a function that
always fails does not spin). ``loop()`` runs until cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from tinykube.errors import Retry
from tinykube.machinery.clock import Clock, LoopClock

log = logging.getLogger(__name__)


class BoundedFrequencyRunner:
    def __init__(self, name: str, fn: Callable[[], Awaitable[None]], *,
                 min_interval: float, max_interval: float, burst: int = 1,
                 clock: Clock | None = None) -> None:
        if min_interval < 0 or max_interval <= 0 or max_interval < min_interval:
            raise ValueError("need 0 <= min_interval <= max_interval and max_interval > 0")
        if burst < 1:
            raise ValueError("burst must be >= 1")
        self.name = name
        self._fn = fn
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.burst = burst
        self._clock = clock or LoopClock()
        self._tokens = float(burst)
        self._refilled: float | None = None
        self._due = math.inf
        self._wake = asyncio.Event()
        self.runs = 0

    # ------------------------------------------------------------------ requests

    def run(self) -> None:
        """Ask for a run as soon as the rate limit allows; coalesced with pending requests."""
        self._schedule(self._earliest())

    def retry_after(self, delay: float) -> None:
        """Ask for a run no later than ``delay`` seconds from now (still rate limited)."""
        self._schedule(max(self._clock.now() + delay, self._earliest()))

    def _schedule(self, when: float) -> None:
        if when < self._due:
            self._due = when
            self._wake.set()

    # ------------------------------------------------------------------ token bucket

    def _refill(self) -> None:
        now = self._clock.now()
        if self._refilled is not None and self.min_interval > 0:
            gained = (now - self._refilled) / self.min_interval
            self._tokens = min(float(self.burst), self._tokens + gained)
        elif self.min_interval == 0:
            self._tokens = float(self.burst)
        self._refilled = now

    def _earliest(self) -> float:
        """When the next token exists."""
        self._refill()
        now = self._clock.now()
        if self._tokens >= 1.0:
            return now
        return now + (1.0 - self._tokens) * self.min_interval

    # ------------------------------------------------------------------ the loop

    async def loop(self) -> None:
        """Run ``fn`` whenever due, until cancelled. The first run waits for a request
        or for ``max_interval``."""
        self._due = min(self._due, self._clock.now() + self.max_interval)
        while True:
            await self._sleep_until_due()
            earliest = self._earliest()
            if earliest > self._clock.now():
                self._due = earliest
                continue
            self._tokens -= 1.0
            self._due = math.inf  # requests during the run set it again
            await self._run_once()
            self._due = min(self._due, self._clock.now() + self.max_interval)

    async def _sleep_until_due(self) -> None:
        while (delay := self._due - self._clock.now()) > 0:
            self._wake.clear()
            timer = self._clock.call_later(delay, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()

    async def _run_once(self) -> None:
        self.runs += 1
        try:
            await self._fn()
        except Retry as r:
            log.info("runner=%s retry in %.3fs: %s", self.name, r.delay, r)
            self.retry_after(r.delay)
        except Exception:
            log.exception("runner=%s sync failed", self.name)
            self.retry_after(max(self.min_interval, 1.0))
