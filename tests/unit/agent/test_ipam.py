import pytest

from tinykube.agent.ipam import Ipam, PoolExhausted


def test_pool_is_dot2_to_dot254_for_a_24():
    ipam = Ipam("10.244.0.0/24", "10.244.0.1")
    assert ipam.size == 253
    assert ipam.allocate("a") == "10.244.0.2"


def test_allocate_is_idempotent_and_never_hands_out_an_ip_twice():
    ipam = Ipam("10.244.0.0/24")
    ips = [ipam.allocate(f"p{i}") for i in range(253)]
    assert len(set(ips)) == 253
    assert ipam.allocate("p7") == ips[7]
    assert "10.244.0.1" not in ips and "10.244.0.255" not in ips
    with pytest.raises(PoolExhausted):
        ipam.allocate("one-too-many")


def test_next_fit_hands_out_a_released_ip_last():
    ipam = Ipam("10.244.0.0/29")  # hosts .1-.6, gateway .1: pool .2-.6
    first = ipam.allocate("a")
    assert ipam.release("a") == first
    assert ipam.allocate("b") != first
    assert ipam.owner(first) is None
    assert ipam.release("nobody") is None


def test_preferred_ip_is_used_when_free_only():
    ipam = Ipam("10.244.0.0/24")
    assert ipam.allocate("a", preferred="10.244.0.77") == "10.244.0.77"
    assert ipam.allocate("b", preferred="10.244.0.77") != "10.244.0.77"
    assert ipam.allocate("c", preferred="10.9.9.9") != "10.9.9.9"


def test_reserve_rebuilds_from_the_api_and_refuses_conflicts():
    ipam = Ipam("10.244.0.0/24")
    assert ipam.reserve("a", "10.244.0.9")
    assert ipam.reserve("a", "10.244.0.9")
    assert not ipam.reserve("b", "10.244.0.9")
    assert not ipam.reserve("a", "10.244.0.10")   # one IP per owner
    assert not ipam.reserve("c", "10.244.0.1")    # the gateway
    assert not ipam.reserve("c", "garbage")
    assert ipam.ip_of("a") == "10.244.0.9" and ipam.owner("10.244.0.9") == "a"
    assert len(ipam) == 1
