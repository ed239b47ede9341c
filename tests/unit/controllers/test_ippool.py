"""The LoadBalancer address pool."""

import pytest

from tinykube.controllers.ippool import IPPool


def test_ranges_cidrs_and_lowest_free_first():
    pool = IPPool("10.0.0.10-10.0.0.11, 10.0.1.0/30")
    assert pool.size == 4  # two from the range, two hosts of the /30
    assert [pool.allocate(k) for k in "abcd"] == ["10.0.0.10", "10.0.0.11", "10.0.1.1",
                                                  "10.0.1.2"]
    assert pool.allocate("e") is None and pool.free() == 0
    assert pool.allocate("a") == "10.0.0.10"  # an owner keeps its address
    assert pool.release("b") == "10.0.0.11"
    assert pool.allocate("e") == "10.0.0.11"
    assert "10.0.1.0" not in pool and "10.0.1.3" not in pool and "fd00::1" not in pool


def test_requested_addresses_and_assignment():
    pool = IPPool("172.18.255.200-172.18.255.202")
    assert pool.allocate("a", "172.18.255.202") == "172.18.255.202"
    assert pool.allocate("b", "172.18.255.202") is None  # taken
    assert pool.allocate("b", "10.0.0.1") is None  # outside
    assert pool.holder("172.18.255.202") == "a"
    assert pool.assign("c", "172.18.255.200") and not pool.assign("d", "172.18.255.200")
    assert pool.allocate("d") == "172.18.255.201"


def test_bad_pools_are_refused():
    with pytest.raises(ValueError):
        IPPool("10.0.0.5-10.0.0.1")
    with pytest.raises(ValueError):
        IPPool(" , ")
