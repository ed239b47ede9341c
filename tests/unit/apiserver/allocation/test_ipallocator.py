import random

import pytest

from tinykube.apiserver.allocation.bitmap import AllocationFailed
from tinykube.apiserver.allocation.ipallocator import IPAllocator, family_of
from tinykube.errors import ConfigError


@pytest.mark.parametrize(
    ("cidr", "usable", "band", "first", "last", "last_static"),
    [
        ("10.96.0.0/12", (1 << 20) - 2, 256, "10.96.0.1", "10.111.255.254", "10.96.1.0"),
        ("10.0.0.0/16", 65534, 256, "10.0.0.1", "10.0.255.254", "10.0.1.0"),
        ("10.0.0.0/24", 254, 16, "10.0.0.1", "10.0.0.254", "10.0.0.16"),
        ("10.0.0.0/28", 14, 0, "10.0.0.1", "10.0.0.14", None),
    ],
)
def test_band_math(cidr: str, usable: int, band: int, first: str, last: str,
                   last_static: str | None) -> None:
    a = IPAllocator(cidr, random.Random(1))
    assert a.size == usable
    assert a.static_band == band
    assert a.ip_at(0) == first
    assert a.ip_at(a.size - 1) == last
    if last_static is not None:
        assert a.ip_at(band - 1) == last_static


def test_kube_dns_is_in_the_static_band_of_the_default_cidr() -> None:
    a = IPAllocator("10.96.0.0/12")
    offset = a.offset_of("10.96.0.10")
    assert offset is not None and offset < a.static_band


def test_dynamic_allocation_stays_out_of_the_static_band() -> None:
    a = IPAllocator("10.0.0.0/24", random.Random(5))
    for _ in range(238):
        ip = a.allocate_next()
        offset = a.offset_of(ip)
        assert offset is not None and offset >= 16
    nxt = a.offset_of(a.allocate_next())
    assert nxt is not None and nxt < 16


def test_network_and_broadcast_are_not_in_range() -> None:
    a = IPAllocator("10.0.0.0/24")
    for ip in ("10.0.0.0", "10.0.0.255", "10.0.1.1", "fd00::1", "bogus"):
        assert a.offset_of(ip) is None
        with pytest.raises(AllocationFailed) as e:
            a.allocate(ip)
        assert str(e.value) == (
            f"the provided IP ({ip}) is not in the valid range. "
            "The range of valid IPs is 10.0.0.0/24"
        )


def test_allocate_twice_and_release() -> None:
    a = IPAllocator("10.96.0.0/12")
    a.allocate("10.96.0.10")
    assert a.has("10.96.0.10")
    with pytest.raises(AllocationFailed, match=r"^provided IP is already allocated$"):
        a.allocate("10.96.0.10")
    a.release("10.96.0.10")
    a.release("192.0.2.1")  # outside: ignored
    assert not a.has("10.96.0.10")
    a.allocate("10.96.0.10")


def test_check_and_next_free_take_nothing() -> None:
    a = IPAllocator("10.0.0.0/29", random.Random(2))
    ip = a.next_free()
    a.check(ip)
    assert not a.has(ip)
    with pytest.raises(AllocationFailed, match="already allocated"):
        a.check(ip, pending=[ip])


def test_exhaustion() -> None:
    a = IPAllocator("10.0.0.0/29", random.Random(2))
    got = {a.allocate_next() for _ in range(6)}
    assert got == {f"10.0.0.{i}" for i in range(1, 7)}
    with pytest.raises(AllocationFailed, match=r"^range is full$"):
        a.allocate_next()


def test_exclude_is_honoured() -> None:
    a = IPAllocator("10.0.0.0/29", random.Random(2))
    others = [f"10.0.0.{i}" for i in range(1, 6)]
    assert a.allocate_next(exclude=others) == "10.0.0.6"


@pytest.mark.parametrize("cidr", ["10.0.0.0/30", "10.0.0.0/32"])
def test_range_must_hold_eight_addresses(cidr: str) -> None:
    with pytest.raises(ConfigError, match="at least 8 IP addresses"):
        IPAllocator(cidr)


def test_bad_cidr() -> None:
    with pytest.raises(ConfigError, match="invalid service CIDR"):
        IPAllocator("10.0.0.1/24")


def test_ipv6_range_is_capped() -> None:
    a = IPAllocator("fd00:10:96::/112")
    assert a.family == "IPv6"
    assert a.size == 65535 and a.static_band == 256
    assert a.ip_at(0) == "fd00:10:96::1"
    big = IPAllocator("fd00::/64")
    assert big.size == 65535


def test_family_of() -> None:
    assert family_of("10.0.0.1") == "IPv4"
    assert family_of("fd00::1") == "IPv6"
    assert family_of("None") is None
