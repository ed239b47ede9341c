"""NodePorts (and health-check node ports) from one range, default 30000-32767.

One bitmap for every protocol: a nodePort number belongs to at most one Service. The
static band is ``min(max(16, size/32), 128)`` ports from the bottom of the range (86
for the default range: 30000-30085), so a test's ``30080`` rarely meets a dynamic port.
Error texts are Kubernetes' own.
"""

from __future__ import annotations

import random
from collections.abc import Collection

from tinykube.apiserver.allocation.bitmap import (
    RANGE_FULL,
    AllocationFailed,
    Bitmap,
    band_offset,
)
from tinykube.errors import ConfigError

ALREADY_ALLOCATED = "provided port is already allocated"


class PortAllocator:
    """A bitmap over ``[first, last]``; offsets are ``port - first``."""

    def __init__(self, first: int, last: int, rng: random.Random | None = None) -> None:
        if not 1 <= first <= last <= 65535:
            raise ConfigError(f"invalid node port range {first}-{last}")
        self.first, self.last = first, last
        size = last - first + 1
        self.bitmap = Bitmap(size, band_offset(size, 16, 128, 32), rng or random.Random())

    @property
    def range_text(self) -> str:
        return f"{self.first}-{self.last}"

    @property
    def static_band(self) -> int:
        return self.bitmap.offset

    def contains(self, port: int) -> bool:
        return self.first <= port <= self.last

    def check(self, port: int, pending: Collection[int] = ()) -> None:
        """What ``allocate`` would say, without taking the port (dry runs)."""
        if not self.contains(port):
            raise AllocationFailed(
                "provided port is not in the valid range. "
                f"The range of valid ports is {self.range_text}"
            )
        if self.bitmap.has(port - self.first) or port in pending:
            raise AllocationFailed(ALREADY_ALLOCATED)

    def allocate(self, port: int) -> None:
        self.check(port)
        self.bitmap.set(port - self.first)

    def next_free(self, exclude: Collection[int] = ()) -> int:
        """The port dynamic allocation would pick, without taking it."""
        offsets = {p - self.first for p in exclude}
        offset = self.bitmap.find_free(offsets)
        if offset is None:
            raise AllocationFailed(RANGE_FULL)
        return self.first + offset

    def allocate_next(self, exclude: Collection[int] = ()) -> int:
        port = self.next_free(exclude)
        self.bitmap.set(port - self.first)
        return port

    def release(self, port: int) -> None:
        if self.contains(port):
            self.bitmap.clear(port - self.first)

    def has(self, port: int) -> bool:
        return self.contains(port) and self.bitmap.has(port - self.first)
