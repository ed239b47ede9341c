"""The chains and sets of several nftables tables of one family, listed in two dumps.

``nft.list_table`` lists one table, and nft 1.0.x has no per-table chain listing: each call
dumps every chain of the family, 0.3-0.4 s at 10,000 services whatever the table. The
proxy spreads its rules over a main table and 16 shards and lists them all before a full
sync; table by table that was 5.8 s. Here the family's chains and its sets (terse: without
elements) are dumped once each and split by table. A table without chains is not found:
``list tables`` would read every rule.

It runs the ``nft`` binary in the namespace (a read, at most once per full sync; the
libnftables session in ``nft`` stays for commits). When there is no binary it falls back
to ``nft.list_table`` table by table.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Iterator
from typing import Any

from tinykube.errors import SystemError_
from tinykube.host import nft, nscommand
from tinykube.host.nft import TableListing


async def list_tables(netns: str, names: Collection[str],
                      family: str = "ip") -> dict[str, TableListing]:
    """The tables among ``names`` that exist in ``netns`` and have a chain, with their
    chains, sets and maps."""
    if shutil.which(nft.NFT) is None:
        out = {}
        for name in names:
            listing = await nft.list_table(netns, name, family)
            if listing is not None:
                out[name] = listing
        return out
    chains = await _objects(netns, ["list", "chains", family], "chain")
    wanted = {str(c.get("table")) for c in chains} & set(names)
    if not wanted:
        return {}
    sets = [*await _objects(netns, ["-t", "list", "sets", family], "set"),
            *await _objects(netns, ["-t", "list", "maps", family], "map")]
    return {t: TableListing(
        frozenset(c["name"] for c in chains if c.get("table") == t),
        {s["name"]: nft.timeout_seconds(s.get("timeout", 0)) for s in sets if s.get("table") == t})
        for t in sorted(wanted)}


async def _objects(netns: str, args: list[str], kind: str) -> list[dict[str, Any]]:
    done = await nscommand.run(netns, [nft.NFT, "-j", *args])
    if done.returncode != 0:
        raise SystemError_(f"nft {' '.join(args)} failed in {netns}: {done.stderr.strip()}")
    try:
        doc = json.loads(done.stdout or "{}")
    except ValueError as e:
        raise SystemError_(f"nft {' '.join(args)} printed no JSON: {e}") from e
    return list(_of_kind(doc, kind))


def _of_kind(doc: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    for obj in doc.get("nftables") or []:
        if isinstance(obj, dict) and isinstance(obj.get(kind), dict):
            yield obj[kind]

