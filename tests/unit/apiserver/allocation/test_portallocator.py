import random

import pytest

from tinykube.apiserver.allocation.bitmap import AllocationFailed
from tinykube.apiserver.allocation.portallocator import PortAllocator
from tinykube.errors import ConfigError


def test_default_range_bands() -> None:
    p = PortAllocator(30000, 32767)
    assert p.bitmap.size == 2768
    assert p.static_band == 86
    assert p.range_text == "30000-32767"


def test_dynamic_ports_come_from_the_upper_band() -> None:
    p = PortAllocator(30000, 32767, random.Random(4))
    for _ in range(200):
        assert p.allocate_next() >= 30086


def test_errors_are_kubernetes_words() -> None:
    p = PortAllocator(30000, 32767)
    p.allocate(30080)
    with pytest.raises(AllocationFailed) as e:
        p.allocate(30080)
    assert str(e.value) == "provided port is already allocated"
    with pytest.raises(AllocationFailed) as e:
        p.allocate(80)
    assert str(e.value) == (
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
    )


def test_small_range_exhausts() -> None:
    p = PortAllocator(30000, 30003, random.Random(1))
    assert p.static_band == 0
    assert sorted(p.allocate_next() for _ in range(4)) == [30000, 30001, 30002, 30003]
    with pytest.raises(AllocationFailed, match=r"^range is full$"):
        p.allocate_next()
    p.release(30002)
    p.release(80)  # outside: ignored
    assert p.next_free() == 30002
    with pytest.raises(AllocationFailed):
        p.next_free(exclude=[30002])


def test_check_with_pending() -> None:
    p = PortAllocator(30000, 30010)
    p.check(30005)
    with pytest.raises(AllocationFailed, match="already allocated"):
        p.check(30005, pending=[30005])
    assert not p.has(30005) and not p.has(1)


@pytest.mark.parametrize(("lo", "hi"), [(0, 10), (100, 99), (60000, 70000)])
def test_bad_range(lo: int, hi: int) -> None:
    with pytest.raises(ConfigError):
        PortAllocator(lo, hi)
