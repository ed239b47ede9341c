"""A bitmap of offsets and kube-apiserver's random-scan-with-offset allocation strategy.

Both the ClusterIP and the NodePort allocators are a range of ``size`` offsets split at
``offset`` (KEP-3070, KEP-3668): the lower band is kept for values users ask for by name,
dynamic allocation picks a random point in the upper band and scans forward (wrapping
inside the band), and only when the upper band is full does it scan the lower band from
another random point. With ``offset == 0`` it is a plain random scan of the whole range.

The bitmap is a ``bytearray`` so a scan is a C-speed ``find``; ``exclude`` lets a caller
skip offsets that are free in the bitmap but must not be handed out (reserved addresses,
values a dry run has already promised).
"""

from __future__ import annotations

import random
from collections.abc import Collection


class AllocationFailed(Exception):
    """An allocator refused: ``str(e)`` is Kubernetes' wording (``range is full``, …).

    Never leaves the allocation package: ``services`` turns it into the API error
    Kubernetes would answer with (422 Invalid or 500 InternalError).
    """


RANGE_FULL = "range is full"


def band_offset(size: int, minimum: int, maximum: int, step: int) -> int:
    """``min(max(minimum, size/step), maximum)``, or 0 when the range is too small to split."""
    if size <= minimum:
        return 0
    return min(max(minimum, size // step), maximum)


class Bitmap:
    """``size`` offsets, each free or taken, with the two-band random scan."""

    def __init__(self, size: int, offset: int, rng: random.Random) -> None:
        if not 0 <= offset < max(size, 1):
            raise ValueError(f"offset {offset} outside a range of {size}")
        self.size = size
        self.offset = offset
        self._rng = rng
        self._bits = bytearray(size)
        self.count = 0

    def has(self, i: int) -> bool:
        return bool(self._bits[i])

    def set(self, i: int) -> bool:
        """Mark ``i`` taken; False when it already was."""
        if self._bits[i]:
            return False
        self._bits[i] = 1
        self.count += 1
        return True

    def clear(self, i: int) -> None:
        if self._bits[i]:
            self._bits[i] = 0
            self.count -= 1

    def reset(self) -> None:
        self._bits = bytearray(self.size)
        self.count = 0

    def taken(self) -> list[int]:
        return [i for i, b in enumerate(self._bits) if b]

    def _first_free(self, lo: int, hi: int, exclude: Collection[int]) -> int | None:
        i = lo
        while i < hi:
            j = self._bits.find(0, i, hi)
            if j < 0:
                return None
            if j not in exclude:
                return j
            i = j + 1
        return None

    def _scan(self, lo: int, hi: int, exclude: Collection[int]) -> int | None:
        """A random start in ``[lo, hi)``, then forward with wrap-around."""
        start = lo + self._rng.randrange(hi - lo)
        found = self._first_free(start, hi, exclude)
        return found if found is not None else self._first_free(lo, start, exclude)

    def find_free(self, exclude: Collection[int] = ()) -> int | None:
        """A free offset chosen as kube-apiserver would, or None when there is none."""
        if self.count >= self.size:
            return None
        if self.offset == 0:
            return self._scan(0, self.size, exclude)
        upper = self._scan(self.offset, self.size, exclude)
        return upper if upper is not None else self._scan(0, self.offset, exclude)
