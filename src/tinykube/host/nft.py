"""nftables inside a node's network namespace: atomic transactions, listing, deletion.

The proxy plans text in ``nft -f`` syntax (``proxy/plan.py``); this shell commits it inside
one of tinykube's namespaces as one kernel transaction: entirely or not at all. A failure
raises ``SystemError_`` carrying nft's own message (which names the failing line). Nothing
here knows about Services.

How, fastest first (``bench/nftsync.py`` measures each):

- **libnftables in the process** (``nftlib``): one long-lived context per namespace, on a
  thread inside it. This saves a process and a namespace switch per transaction, but not
  nft's cache read, because every commit changes the generation the cache was read at.
- **cache-light text** (``nftforms``): the same transaction written as declarations, which
  nft 1.0.x evaluates without dumping every chain of the table from the kernel — the cost
  that grows with the table, not with the change. Set declarations the text does not carry
  come from what this process committed itself, trusted only while the kernel's generation
  id is the one our last commit left (nobody else changed the ruleset since). If the light
  form fails, the text as written runs, so errors always quote the caller's own lines.
- **the ``nft`` binary** (``nft -f -`` under ``nsenter``) when libnftables cannot be
  loaded or ``TINYKUBE_NFT=exec`` is set; it still gets the cache-light text, without the
  learned set declarations.

What remains of a small transaction's cost is the kernel's own: a commit that adds a jump,
a goto or a verdict element makes it re-validate every chain reachable from the table's
base chains, in time proportional to the whole table.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tinykube.errors import SystemError_
from tinykube.host import netns as namespaces
from tinykube.host import nftforms, nftlib, nscommand

log = logging.getLogger(__name__)

T = TypeVar("T")

NFT = "nft"
LIMIT = nscommand.LIMIT
MODE_ENV = "TINYKUBE_NFT"  # "exec": never load libnftables


@dataclass(frozen=True)
class TableListing:
    """The names in a table: its chains, and its sets and maps with their timeouts
    (0 = none)."""

    chains: frozenset[str] = frozenset()
    sets: Mapping[str, int] = field(default_factory=dict)


def available() -> bool:
    return shutil.which(NFT) is not None or _library() is not None


async def apply(netns: str, text: str) -> None:
    """Commit ``text`` (``nft -f`` syntax) atomically in ``netns``."""
    session = _session(netns)
    if session is None:
        await _apply_exec(netns, text)
        return
    await _call(session, lambda h: session.commit(h, text))


async def list_table(netns: str, table: str, family: str = "ip") -> TableListing | None:
    """Chains, sets and maps of ``family table`` in ``netns``; None when the table is absent.

    Only these listings are cheap on a big table: nft 1.0.6 reads every rule and element
    for ``list tables`` or a plain ``list sets``, tens of seconds at 10,000 services;
    ``list sets`` and ``list maps`` with ``-t`` (no elements) and ``list chains`` read
    neither. (``list sets`` leaves the maps out; ``list maps`` takes no table.)"""
    sets = await _json(netns, ["list", "sets", "table", family, table], terse=True,
                       absent_ok=True)
    if sets is None:
        return None
    sets += await _json(netns, ["list", "maps", family], terse=True) or []  # no "table"
    chains = await _json(netns, ["list", "chains", family]) or []
    return TableListing(
        frozenset(o["chain"]["name"] for o in chains
                  if "chain" in o and o["chain"].get("table") == table),
        {o[k]["name"]: timeout_seconds(o[k].get("timeout", 0)) for o in sets for k in ("set", "map")
         if k in o and o[k].get("table") == table})


async def delete_table(netns: str, table: str, family: str = "ip") -> bool:
    """Delete the table if it exists; True when it did. Also lets go of our nft context
    in ``netns``, which would otherwise keep a deleted namespace alive."""
    args = ["delete", "table", family, table]
    session = _session(netns)
    if session is None:
        done = await nscommand.run(netns, [NFT, *args])
        ok, error = done.returncode == 0, done.stderr
    else:
        outcome = await _call(session, lambda h: session.run(h, " ".join(args)))
        ok, error = outcome.ok, outcome.error
    if ok or "No such file or directory" in error:
        close(netns)  # nothing of ours is left to program there
        return ok
    raise SystemError_(f"nft {' '.join(args)} failed in {netns}: {error.strip()}")


def close(netns: str | None = None) -> None:
    """Let go of the context kept for ``netns`` (all of them when None)."""
    for name in list(_sessions) if netns is None else [netns]:
        session = _sessions.pop(name, None)
        if session is not None:
            session.close()


# --------------------------------------------------------------------------- sessions


class _Session(nftlib.Session):
    """A namespace's nft context plus what our own commits taught us about its sets.

    ``generation`` and ``schema`` are only read and written on the session's thread."""

    def __init__(self, lib: nftlib.Library, netns: str) -> None:
        super().__init__(lib, namespaces.path(netns))
        self.netns = netns
        self.generation: int | None = None
        self.schema = nftforms.EMPTY

    def run(self, h: nftlib.Handle, text: str, *, as_json: bool = False,
            terse: bool = False) -> nftlib.Outcome:
        outcome = h.nft.run(text, json=as_json, terse=terse)
        if not outcome.ok:
            self.generation = None  # whatever happened, re-check before trusting the schema
        return outcome

    def commit(self, h: nftlib.Handle, text: str) -> None:
        trusted = self.generation is not None and _generation(h) == self.generation
        schema = self.schema if trusted else nftforms.EMPTY
        light = nftforms.cache_light(text, schema)
        if light is not None:
            done = h.nft.run(light)
            if done.ok:
                return self._committed(h, schema, text)
            log.debug("nft cache-light form failed netns=%s: %s", self.netns, done.error.strip())
        done = self.run(h, text)
        if not done.ok:
            raise SystemError_(f"nft transaction failed in {self.netns}: {done.error.strip()}")
        if light is not None:
            log.warning("nft transaction failed in its cache-light form but not as written "
                        "netns=%s", self.netns)
        self._committed(h, schema, text)

    def _committed(self, h: nftlib.Handle, schema: nftforms.Schema, text: str) -> None:
        self.schema = nftforms.learn(schema, text)
        self.generation = _generation(h)


def _generation(h: nftlib.Handle) -> int | None:
    """The ruleset generation, or None (trust nothing) when it cannot be read."""
    try:
        return h.generation.get()
    except (OSError, SystemError_) as e:
        log.warning("cannot read the nftables generation id: %s", e)
        return None


_sessions: dict[str, _Session] = {}
_warned: set[str] = set()


def _library() -> nftlib.Library | None:
    if os.environ.get(MODE_ENV, "") == "exec":
        return None
    return nftlib.load()


def _session(netns: str) -> _Session | None:
    """The live session for ``netns``, opened on first use; None to use the binary."""
    namespaces.check_name(netns)  # refuse anything that is not ours
    for name, s in list(_sessions.items()):  # namespaces deleted or re-created since
        if not s.alive():
            s.close()
            del _sessions[name]
    session = _sessions.get(netns)
    if session is not None:
        return session
    lib = _library()
    if lib is None:
        _warn_once("libnftables", f"libnftables not used: {nftlib.load_error() or MODE_ENV}")
        return None
    try:
        session = _Session(lib, netns)
    except (OSError, SystemError_) as e:
        _warn_once(netns, f"libnftables not usable in {netns}, running nft instead: {e}")
        return None
    _sessions[netns] = session
    return session


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning("%s", message)


async def _call(session: _Session, fn: Callable[[nftlib.Handle], T]) -> T:
    try:
        async with asyncio.timeout(LIMIT):
            return await session.call(fn)
    except TimeoutError as e:
        session.close()  # stuck in the kernel; the next call opens a fresh one
        _sessions.pop(session.netns, None)
        raise SystemError_(f"nft in {session.netns} took more than {LIMIT} s") from e


# --------------------------------------------------------------------------- the binary


async def _apply_exec(netns: str, text: str) -> None:
    light = nftforms.cache_light(text)
    if light is not None:
        done = await nscommand.run(netns, [NFT, "-f", "-"], stdin=light)
        if done.returncode == 0:
            return
    done = await nscommand.run(netns, [NFT, "-f", "-"], stdin=text)
    if done.returncode != 0:
        raise SystemError_(f"nft transaction failed in {netns}: {done.stderr.strip()}")


# --------------------------------------------------------------------------- listing


async def _json(netns: str, args: list[str], *, terse: bool = False,
                absent_ok: bool = False) -> list[dict[str, Any]] | None:
    """The objects nft lists for ``args``; None when ``absent_ok`` and nft says there is
    no such object."""
    session = _session(netns)
    if session is None:
        done = await nscommand.run(netns, [NFT, "-j", *(["-t"] if terse else []), *args])
        ok, out, error = done.returncode == 0, done.stdout, done.stderr
    else:
        outcome = await _call(session, lambda h: session.run(
            h, " ".join(args), as_json=True, terse=terse))
        ok, out, error = outcome.ok, outcome.output, outcome.error
    if not ok:
        if absent_ok and "No such file or directory" in error:
            return None
        raise SystemError_(f"nft {' '.join(args)} failed in {netns}: {error.strip()}")
    try:
        doc = json.loads(out or "{}")
    except ValueError as e:
        raise SystemError_(f"nft {' '.join(args)} printed no JSON: {e}") from e
    return list(_objects(doc))


def _objects(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for obj in doc.get("nftables") or []:
        if isinstance(obj, dict) and "metainfo" not in obj:
            yield obj


def timeout_seconds(value: Any) -> int:
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
