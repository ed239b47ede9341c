"""The fake nft refuses what the kernel refuses and traces what it was given."""

from __future__ import annotations

import pytest

from tinykube.errors import SystemError_
from tinykube.testing.fake_nft import FakeNft, Packet

SETUP = """\
add table ip tinykube
add chain ip tinykube a
add chain ip tinykube b
add chain ip tinykube nat-prerouting { type nat hook prerouting priority -100 ; }
add map ip tinykube m { type ipv4_addr . inet_proto . inet_service : verdict ; }
add rule ip tinykube nat-prerouting ip daddr . meta l4proto . th dport vmap @m
add rule ip tinykube a meta l4proto tcp dnat to 10.0.0.9:8080
add element ip tinykube m { 10.96.0.1 . tcp . 80 : goto a }
"""


def test_trace_follows_a_map_to_a_dnat() -> None:
    nft = FakeNft()
    nft.apply(SETUP)
    t = nft.trace(Packet("10.244.0.5", "10.96.0.1", 80))
    assert t.endpoint == "10.0.0.9:8080" and t.chains == ["nat-prerouting", "a"]
    assert nft.trace(Packet("10.244.0.5", "10.96.0.1", 81)).endpoint is None


@pytest.mark.parametrize("bad", [
    "delete chain ip tinykube a",  # referenced by an element and not empty
    "flush chain ip tinykube nope",
    "add element ip tinykube m { 10.96.0.1 . tcp . 80 : goto b }",  # changes a value
    "delete element ip tinykube m { 10.96.0.2 . tcp . 80 }",
    "add rule ip tinykube b goto nope",
    "add rule ip tinykube b ip saddr @nope drop",
])
def test_invalid_commands_fail_and_nothing_of_the_transaction_is_applied(bad: str) -> None:
    nft = FakeNft()
    nft.apply(SETUP)
    with pytest.raises(SystemError_):
        nft.apply(f"add chain ip tinykube c\n{bad}\n")
    assert "c" not in nft.chain_names()


def test_delete_after_flush_and_element_removal_succeeds() -> None:
    nft = FakeNft()
    nft.apply(SETUP)
    nft.apply("delete element ip tinykube m { 10.96.0.1 . tcp . 80 }\n"
              "flush chain ip tinykube a\ndelete chain ip tinykube a\n")
    assert "a" not in nft.chain_names()
