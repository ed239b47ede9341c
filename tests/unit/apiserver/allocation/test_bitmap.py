import itertools
import random

import pytest

from tinykube.apiserver.allocation.bitmap import Bitmap, band_offset


@pytest.mark.parametrize(
    ("size", "expected"),
    [(8, 0), (16, 0), (17, 16), (32, 16), (256, 16), (512, 32), (4096, 256), (1 << 20, 256)],
)
def test_ip_band_offset(size: int, expected: int) -> None:
    assert band_offset(size, 16, 256, 16) == expected


@pytest.mark.parametrize(
    ("size", "expected"), [(10, 0), (16, 0), (100, 16), (2768, 86), (10000, 128)],
)
def test_port_band_offset(size: int, expected: int) -> None:
    assert band_offset(size, 16, 128, 32) == expected


def test_dynamic_picks_the_upper_band_until_it_is_full() -> None:
    bm = Bitmap(40, 16, random.Random(7))
    picked = []
    for _ in range(24):
        i = bm.find_free()
        assert i is not None
        bm.set(i)
        picked.append(i)
    assert sorted(picked) == list(range(16, 40))
    lower = bm.find_free()
    assert lower is not None and lower < 16


def test_random_start_is_not_sequential() -> None:
    bm = Bitmap(1000, 256, random.Random(3))
    picks = []
    for _ in range(5):
        i = bm.find_free()
        assert i is not None
        bm.set(i)
        picks.append(i)
    assert any(b != a + 1 for a, b in itertools.pairwise(picks))


def test_scan_wraps_inside_the_band() -> None:
    class Last(random.Random):
        def randrange(self, *args: int) -> int:  # type: ignore[override]
            stop = args[-1] if len(args) == 1 else args[1] - args[0]
            return stop - 1

    bm = Bitmap(20, 16, Last())
    bm.set(19)
    assert bm.find_free() == 16  # started at 19 (taken), wrapped to the band's start


def test_exclude_and_full() -> None:
    bm = Bitmap(4, 0, random.Random(1))
    for i in (0, 1, 2):
        bm.set(i)
    assert bm.find_free() == 3
    assert bm.find_free(exclude={3}) is None
    bm.set(3)
    assert bm.count == 4 and bm.find_free() is None
    bm.clear(2)
    assert bm.find_free() == 2 and bm.count == 3


def test_set_reports_double_marking_and_reset() -> None:
    bm = Bitmap(8, 0, random.Random(1))
    assert bm.set(5) is True
    assert bm.set(5) is False
    assert bm.taken() == [5]
    bm.reset()
    assert bm.count == 0 and bm.taken() == []


def test_offset_must_fit() -> None:
    with pytest.raises(ValueError):
        Bitmap(10, 10, random.Random())
