"""nftables inside a node's network namespace: atomic transactions, listing, deletion.

The proxy plans text for ``nft -f -`` (``proxy/plan.py``); this shell runs it with the
real ``nft`` inside one of tinykube's namespaces, where the whole text is one kernel
transaction: it commits entirely or not at all. A failure raises ``SystemError_`` carrying
nft's own message (which names the failing line). Nothing here knows about Services.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tinykube.errors import SystemError_
from tinykube.host import nscommand

NFT = "nft"


@dataclass(frozen=True)
class TableListing:
    """The names in a table: its chains, and its sets with their timeouts (0 = none)."""

    chains: frozenset[str] = frozenset()
    sets: Mapping[str, int] = field(default_factory=dict)


def available() -> bool:
    return shutil.which(NFT) is not None


async def apply(netns: str, text: str) -> None:
    """Commit ``text`` (``nft -f`` syntax) atomically in ``netns``."""
    done = await nscommand.run(netns, [NFT, "-f", "-"], stdin=text)
    if done.returncode != 0:
        raise SystemError_(f"nft transaction failed in {netns}: {done.stderr.strip()}")


async def list_table(netns: str, table: str, family: str = "ip") -> TableListing | None:
    """Chains and sets of ``family table`` in ``netns``; None when the table is absent."""
    chains = await _json(netns, ["list", "chains", family])
    sets = await _json(netns, ["list", "sets", family])
    tables = {o["table"]["name"] for o in await _json(netns, ["list", "tables", family])
              if "table" in o}
    if table not in tables:
        return None
    return TableListing(
        frozenset(o["chain"]["name"] for o in chains
                  if "chain" in o and o["chain"].get("table") == table),
        {o[k]["name"]: _seconds(o[k].get("timeout", 0)) for o in sets for k in ("set", "map")
         if k in o and o[k].get("table") == table})


async def delete_table(netns: str, table: str, family: str = "ip") -> bool:
    """Delete the table if it exists; True when it did."""
    done = await nscommand.run(netns, [NFT, "delete", "table", family, table])
    if done.returncode == 0:
        return True
    if "No such file or directory" in done.stderr:
        return False
    raise SystemError_(f"nft delete table {family} {table} failed in {netns}: "
                       f"{done.stderr.strip()}")


async def _json(netns: str, args: list[str]) -> list[dict[str, Any]]:
    done = await nscommand.run(netns, [NFT, "-j", *args])
    if done.returncode != 0:
        raise SystemError_(f"nft {' '.join(args)} failed in {netns}: {done.stderr.strip()}")
    try:
        doc = json.loads(done.stdout or "{}")
    except ValueError as e:
        raise SystemError_(f"nft {' '.join(args)} printed no JSON: {e}") from e
    return list(_objects(doc))


def _objects(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for obj in doc.get("nftables") or []:
        if isinstance(obj, dict) and "metainfo" not in obj:
            yield obj


def _seconds(value: Any) -> int:
    """nft's JSON gives a set's timeout in seconds (older versions: a duration string)."""
    if isinstance(value, int):
        return value
    total, num = 0, ""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    for ch in str(value):
        if ch.isdigit():
            num += ch
        elif ch in units and num:
            total += int(num) * units[ch]
            num = ""
    return total
