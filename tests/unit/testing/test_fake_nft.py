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


TWO_TABLES = """\
add table ip one
add table ip two
add chain ip one nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip two nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip one to-pod
add chain ip two to-other
add rule ip one to-pod meta l4proto tcp dnat to 10.0.0.9:80
add rule ip two to-other meta l4proto tcp dnat to 10.0.0.10:80
add rule ip one nat-prerouting ip daddr 10.96.0.1 goto to-pod
add rule ip two nat-prerouting ip daddr 10.0.0.9 goto to-other
"""


def test_once_one_table_translated_the_destination_no_other_nat_chain_runs() -> None:
    nft = FakeNft()
    nft.apply(TWO_TABLES)
    t = nft.trace(Packet("10.244.0.5", "10.96.0.1", 80))
    assert t.endpoint == "10.0.0.9:80" and "to-other" not in t.chains
    # the second table matches what the first one left alone
    assert nft.trace(Packet("10.244.0.5", "10.0.0.9", 80)).endpoint == "10.0.0.10:80"


def test_filter_chains_of_every_table_see_the_packet() -> None:
    nft = FakeNft()
    nft.apply("add table ip one\nadd table ip two\n"
              "add chain ip one f { type filter hook forward priority 0 ; }\n"
              "add chain ip two f { type filter hook forward priority 0 ; }\n"
              "add rule ip one f accept\n"
              "add rule ip two f ip daddr 10.0.0.9 drop\n")
    assert nft.trace(Packet("10.244.0.5", "10.0.0.9", 80)).verdict == "drop"
    assert nft.trace(Packet("10.244.0.5", "10.0.0.8", 80)).verdict == "accept"


def test_tables_are_separate_namespaces() -> None:
    nft = FakeNft()
    nft.apply(TWO_TABLES)
    with pytest.raises(SystemError_):  # no jumps across tables
        nft.apply("add rule ip one nat-prerouting goto to-other\n")
    with pytest.raises(KeyError):
        nft.chain("nat-prerouting")  # in both: say which
    assert nft.chain("nat-prerouting", "two").rules == ["ip daddr 10.0.0.9 goto to-other"]
    nft.apply("delete table ip one\n")
    assert set(nft.tables) == {"two"}
    with pytest.raises(SystemError_):
        nft.apply("add chain ip one c\n")


@pytest.mark.parametrize("rule", ["numgen random mod 2 0 goto a",
                                  "numgen random mod 2 == 0 goto a",
                                  "numgen random mod 2 vmap { 0 : goto a , 1 : goto b }"])
def test_numgen_forms_split_connections(rule: str) -> None:
    nft = FakeNft()
    nft.apply(SETUP + "add chain ip tinykube s\n"
              f"add rule ip tinykube s {rule}\nadd rule ip tinykube s goto b\n"
              "add rule ip tinykube b meta l4proto tcp dnat to 10.0.0.10:8080\n"
              "delete element ip tinykube m { 10.96.0.1 . tcp . 80 }\n"
              "add element ip tinykube m { 10.96.0.1 . tcp . 80 : goto s }\n")
    reached = {nft.trace(Packet("10.244.0.5", "10.96.0.1", 80), seed=s).endpoint
               for s in range(30)}
    assert reached == {"10.0.0.9:8080", "10.0.0.10:8080"}
