"""Several tables listed in two dumps, against the real kernel in a namespace of our own."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tinykube.host import nft, nftlisting

pytestmark = pytest.mark.root

WHY_NOT = ("needs root" if os.geteuid() != 0 else
           next((f"{t} is not installed" for t in ("ip", "nft", "nsenter")
                 if shutil.which(t) is None), None))

SETUP = """\
add table ip tinykube
add table ip tinykube-s00
add table ip other
add table ip tinykube-s01
add chain ip tinykube c
add chain ip tinykube-s00 c
add chain ip tinykube-s00 d
add chain ip other c
add set ip tinykube-s00 aff { type ipv4_addr ; flags dynamic,timeout ; timeout 3h ; }
add set ip tinykube plain { type ipv4_addr ; }
add element ip tinykube plain { 10.0.0.1 }
add map ip tinykube-s00 m { type ipv4_addr : verdict ; elements = { 10.0.0.2 : drop } ; }
add set ip other x { type ipv4_addr ; }
"""
OURS = ("tinykube", "tinykube-s00", "tinykube-s01", "tinykube-s02")


@pytest.fixture
def netns() -> Iterator[str]:
    if WHY_NOT is not None:
        pytest.skip(WHY_NOT)
    name = f"tinykube-t-nftlist{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        yield name
    finally:
        nft.close(name)
        subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)


@pytest.fixture(params=["binary", "table by table"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "binary":
        real = shutil.which
        monkeypatch.setattr(nftlisting.shutil, "which",
                            lambda cmd: None if cmd == nft.NFT else real(cmd))
    return str(request.param)


async def test_lists_the_named_tables_chains_and_sets(netns: str, way: str) -> None:
    assert await nftlisting.list_tables(netns, OURS) == {}
    await nft.apply(netns, SETUP)
    listed = await nftlisting.list_tables(netns, OURS)
    assert listed["tinykube"] == nft.TableListing(frozenset({"c"}), {"plain": 0})
    assert listed["tinykube-s00"] == nft.TableListing(frozenset({"c", "d"}),
                                                      {"aff": 10800, "m": 0})
    assert "other" not in listed and "tinykube-s02" not in listed
    # an empty table: the binary's way does not see it (it has no chain)
    assert ("tinykube-s01" in listed) == (way != "binary")
