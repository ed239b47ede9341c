"""How long to wait before trying again: per-key retry delays and error backoff.

``ItemExponential`` is client-go's per-item exponential limiter (5 ms doubling to 1000 s),
``Bucket`` its overall token bucket (10 per second, burst 100), ``MaxOf`` the larger of
several; ``default_controller_limiter`` is client-go's ``DefaultControllerRateLimiter``.
``Backoff`` is the jittered exponential backoff an informer uses between failed lists and
watches. All of them only compute delays; the work queue and the informer do the waiting.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from tinykube.machinery.clock import Clock, LoopClock

K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


class RateLimiter(Protocol[K_contra]):
    """Decides how long a key waits before its next retry."""

    def when(self, key: K_contra) -> float:
        """The delay before retrying ``key``; counts one more failure for it."""
        ...

    def forget(self, key: K_contra) -> None:
        """The key succeeded: start over at the shortest delay."""
        ...

    def retries(self, key: K_contra) -> int:
        """How many failures of ``key`` have been counted since it was last forgotten."""
        ...


class ItemExponential(Generic[K]):
    """``base * 2**failures`` per key, capped at ``max_delay``."""

    def __init__(self, base: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base = base
        self.max_delay = max_delay
        self._failures: dict[K, int] = {}

    def when(self, key: K) -> float:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        if n >= 64:  # 2**64 * base is past any cap; avoid huge floats
            return self.max_delay
        return min(self.base * float(2**n), self.max_delay)

    def forget(self, key: K) -> None:
        self._failures.pop(key, None)

    def retries(self, key: K) -> int:
        return self._failures.get(key, 0)


class Bucket(Generic[K]):
    """A token bucket shared by all keys: ``qps`` tokens a second, at most ``burst`` saved.

    Each ``when`` takes a token, borrowing against the future when none is left, and returns
    how long until that token exists.
    """

    def __init__(self, qps: float = 10.0, burst: int = 100, clock: Clock | None = None) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("a bucket needs qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        self._clock = clock or LoopClock()
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, key: K) -> float:
        t = self._clock.now()
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (t - self._last) * self.qps)
        self._last = t
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: K) -> None:
        pass

    def retries(self, key: K) -> int:
        return 0


class MaxOf(Generic[K]):
    """The longest delay any of ``limiters`` asks for."""

    def __init__(self, *limiters: RateLimiter[K]) -> None:
        self.limiters = limiters

    def when(self, key: K) -> float:
        return max(lim.when(key) for lim in self.limiters)

    def forget(self, key: K) -> None:
        for lim in self.limiters:
            lim.forget(key)

    def retries(self, key: K) -> int:
        return max(lim.retries(key) for lim in self.limiters)


def default_controller_limiter(clock: Clock | None = None) -> MaxOf[K]:
    """client-go's default: per-key 5 ms..1000 s, and 10 retries/s (burst 100) overall."""
    return MaxOf(ItemExponential(0.005, 1000.0), Bucket(10.0, 100, clock=clock))


class Backoff:
    """Jittered exponential backoff between failed attempts (client-go's reflector: 0.8 s
    doubling to 30 s, up to 100% extra jitter).

    ``next()`` returns the next delay; ``reset()`` after a success.
    """

    def __init__(self, initial: float = 0.8, maximum: float = 30.0, factor: float = 2.0,
                 jitter: float = 1.0, rand: Callable[[], float] = random.random) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._rand = rand
        self._current = initial

    def next(self) -> float:
        base = self._current
        self._current = min(self._current * self.factor, self.maximum)
        return base + base * self.jitter * self._rand()

    def reset(self) -> None:
        self._current = self.initial
