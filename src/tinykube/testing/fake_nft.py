"""A fake nftables ruleset and a packet tracer, for the proxy's fast tests.

``FakeNft.apply(text)`` takes the same ``nft -f`` commands the proxy sends to the real nft
(``add``/``flush``/``delete`` of tables, chains, rules, sets, maps and elements, in any
number of ``ip`` tables), checks them the way the kernel would (a flushed or deleted object
must exist, a deleted chain must be empty and unreferenced, an element cannot change value
by being added again, rules may only reference existing chains and sets of their own
table) and commits all of them or none.

``trace(Packet)`` walks one new connection through the base chains of every table in hook
and priority order (equal priorities in the order the tables were made) — prerouting,
routing (to input when the destination is local, forward otherwise), postrouting; or
output, output-post-dnat, postrouting for traffic the node itself sends. Tables are
separate rule sets on the same hooks: an accept in one leaves the packet to the next, a
drop or reject ends it, and, as in the kernel's NAT core, once a nat chain has set up a
binding no further nat chain of that hook runs. It interprets the rule vocabulary the
planner writes and reports the verdict, the DNAT target, whether the packet was
masqueraded and which chains it went through. ``numgen random`` draws from
``random.Random(seed)``; dynamic sets remember ``update`` entries until their timeout,
measured on the ``now`` the test passes.

Like kube-proxy's ``helpers_test.go`` tracer this is an interpreter for a known subset,
not nft: a rule it does not understand raises ``ValueError``.
"""

from __future__ import annotations

import ipaddress
import random
import re
from dataclasses import dataclass, field
from typing import TypeVar

from tinykube.errors import SystemError_
from tinykube.host.conntrack import UdpFlowFilter
from tinykube.host.nft import TableListing

_T = TypeVar("_T")


@dataclass
class FakeChain:
    name: str
    hook: str = ""
    type: str = ""
    priority: int = 0
    rules: list[str] = field(default_factory=list)


@dataclass
class FakeSet:
    name: str
    kind: str  # set | map
    spec: str
    elements: dict[str, str] = field(default_factory=dict)  # key -> value ("" for sets)
    dynamic: dict[str, float] = field(default_factory=dict)  # key -> expiry (dynamic sets)

    @property
    def timeout(self) -> float:
        m = re.search(r"timeout (\d+)s", self.spec)
        return float(m.group(1)) if m else 0.0


@dataclass
class FakeTable:
    chains: dict[str, FakeChain] = field(default_factory=dict)
    sets: dict[str, FakeSet] = field(default_factory=dict)
    comment: str = ""

    def copy(self) -> FakeTable:
        return FakeTable(
            {n: FakeChain(c.name, c.hook, c.type, c.priority, list(c.rules))
             for n, c in self.chains.items()},
            {n: FakeSet(s.name, s.kind, s.spec, dict(s.elements), dict(s.dynamic))
             for n, s in self.sets.items()},
            self.comment)


@dataclass(frozen=True)
class Packet:
    saddr: str
    daddr: str
    dport: int
    proto: str = "tcp"
    from_node: bool = False  # sent by a process of the node itself (output path)


@dataclass
class Trace:
    verdict: str = "accept"  # accept | drop | reject
    dnat: tuple[str, int] | None = None
    masquerade: bool = False
    chains: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str | None:
        return f"{self.dnat[0]}:{self.dnat[1]}" if self.dnat else None


# --------------------------------------------------------------------------- commands


def _split_commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _split_top(body: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside braces."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def _norm_key(key: str) -> str:
    return " . ".join(p.strip() for p in key.split(" . "))


def _elements(body: str) -> list[tuple[str, str]]:
    inner = body.strip()
    if not (inner.startswith("{") and inner.endswith("}")):
        raise ValueError(f"elements must be in braces: {body!r}")
    out = []
    for item in _split_top(inner[1:-1]):
        key, _, value = item.partition(" : ")
        out.append((_norm_key(key), value.strip()))
    return out


_REF = re.compile(r"(?:jump|goto) (\S+)")
_SETREF = re.compile(r"@(\S+)")


class FakeNft:
    """The ``ip`` family of one namespace's ruleset in memory: any number of tables.
    ``apply`` is all-or-nothing like ``nft -f``."""

    def __init__(self) -> None:
        self.tables: dict[str, FakeTable] = {}
        self.transactions: list[str] = []

    # ------------------------------------------------------------------ applying

    def apply(self, text: str) -> None:
        work = {n: t.copy() for n, t in self.tables.items()}
        for cmd in _split_commands(text):
            try:
                self._command(work, cmd)
            except ValueError as e:
                raise SystemError_(f"nft: {e}: {cmd}") from e
        self.tables = work
        self.transactions.append(text)

    def _command(self, work: dict[str, FakeTable], cmd: str) -> None:
        m = re.match(r"(add|flush|delete) (table|chain|rule|set|map|element) ip (\S+)\s*(.*)$",
                     cmd)
        if not m:
            raise ValueError("unsupported command")
        verb, what, table, rest = m.groups()
        if what == "table":
            if verb == "add":
                work.setdefault(table, FakeTable())
            elif table not in work:
                raise ValueError("No such file or directory")
            elif verb == "delete":
                del work[table]
            else:
                for c in work[table].chains.values():
                    c.rules.clear()
            return
        if table not in work:
            raise ValueError(f"No such file or directory (table {table})")
        getattr(self, f"_{verb}_{what}")(work[table], rest)

    @staticmethod
    def _add_chain(t: FakeTable, rest: str) -> None:
        name, _, spec = rest.partition(" ")
        if name in t.chains:
            return
        chain = FakeChain(name)
        m = re.search(r"type (\w+) hook (\w+) priority (-?\d+)", spec)
        if m:
            chain.type, chain.hook, chain.priority = m.group(1), m.group(2), int(m.group(3))
        t.chains[name] = chain

    @staticmethod
    def _flush_chain(t: FakeTable, rest: str) -> None:
        _need(t.chains, rest.strip()).rules.clear()

    @staticmethod
    def _delete_chain(t: FakeTable, rest: str) -> None:
        name = rest.strip()
        chain = _need(t.chains, name)
        if chain.rules or _chain_referenced(t, name):
            raise ValueError("Device or resource busy")
        del t.chains[name]

    @staticmethod
    def _add_rule(t: FakeTable, rest: str) -> None:
        name, _, rule = rest.partition(" ")
        chain = _need(t.chains, name)
        for target in _REF.findall(rule):
            _need(t.chains, target)
        for s in _SETREF.findall(rule):
            _need(t.sets, s)
        chain.rules.append(rule.strip())

    def _add_set(self, t: FakeTable, rest: str, kind: str = "set") -> None:
        name, _, spec = rest.partition(" ")
        if name not in t.sets:
            t.sets[name] = FakeSet(name, kind, spec.strip())

    def _add_map(self, t: FakeTable, rest: str) -> None:
        self._add_set(t, rest, "map")

    @staticmethod
    def _flush_set(t: FakeTable, rest: str) -> None:
        s = _need(t.sets, rest.strip())
        s.elements.clear()
        s.dynamic.clear()

    _flush_map = _flush_set

    @staticmethod
    def _delete_set(t: FakeTable, rest: str) -> None:
        name = rest.strip()
        _need(t.sets, name)
        ref = re.compile(rf"@{re.escape(name)}(?=\s|$)")
        if any(ref.search(r) for c in t.chains.values() for r in c.rules):
            raise ValueError("Device or resource busy")
        del t.sets[name]

    _delete_map = _delete_set

    @staticmethod
    def _add_element(t: FakeTable, rest: str) -> None:
        name, _, body = rest.partition(" ")
        s = _need(t.sets, name)
        for key, value in _elements(body):
            for target in _REF.findall(value):
                _need(t.chains, target)
            if key in s.elements and s.elements[key] != value:
                raise ValueError("File exists")
            s.elements[key] = value

    @staticmethod
    def _delete_element(t: FakeTable, rest: str) -> None:
        name, _, body = rest.partition(" ")
        s = _need(t.sets, name)
        for key, _ in _elements(body):
            if key not in s.elements:
                raise ValueError("No such file or directory (element)")
            del s.elements[key]

    # ------------------------------------------------------------------ inspecting

    def chain(self, name: str, table: str | None = None) -> FakeChain:
        """A chain; without ``table``, the only chain of that name in any table."""
        return _one({t: tb.chains for t, tb in self.tables.items()}, name, table)

    def container(self, name: str, table: str | None = None) -> FakeSet:
        """A set or a map; without ``table``, the only one of that name in any table."""
        return _one({t: tb.sets for t, tb in self.tables.items()}, name, table)

    def elements(self, name: str) -> dict[str, str]:
        """The elements of every set or map called ``name``, whatever its table."""
        out: dict[str, str] = {}
        for t in self.tables.values():
            if name in t.sets:
                out.update(t.sets[name].elements)
        return out

    def chain_names(self) -> set[str]:
        return {n for t in self.tables.values() for n in t.chains}

    def chain_refs(self) -> set[tuple[str, str]]:
        """(table, chain) for every chain."""
        return {(tn, n) for tn, t in self.tables.items() for n in t.chains}

    def container_names(self) -> set[str]:
        return {n for t in self.tables.values() for n in t.sets}

    def dump(self) -> str:
        """The tables as text (for failure messages)."""
        if not self.tables:
            return "(no table)"
        lines = []
        for tn, t in self.tables.items():
            lines.append(f"table {tn}")
            for s in t.sets.values():
                lines.append(f"  {s.kind} {s.name} {s.spec} = {s.elements}")
            for c in t.chains.values():
                lines.append(f"  chain {c.name} {c.hook}")
                lines.extend(f"    {r}" for r in c.rules)
        return "\n".join(lines)

    # ------------------------------------------------------------------ tracing

    def trace(self, pkt: Packet, *, local_ips: tuple[str, ...] = (), seed: int = 0,
              now: float = 0.0) -> Trace:
        """Walk one new connection through the tables; see the module docstring."""
        return _Tracer(self.tables, pkt, local_ips, random.Random(seed), now).run()


class FakeNftRunner:
    """``proxy.nftables.NftRunner`` on a ``FakeNft``: its tables are those named
    ``prefix`` or ``prefix-…``. Records conntrack deletions, and ``fail_next(error)`` makes
    the next transaction fail (nothing of it applied)."""

    def __init__(self, nft: FakeNft | None = None, prefix: str = "tinykube") -> None:
        self.nft = nft or FakeNft()
        self.prefix = prefix
        self.conntrack_deleted: list[UdpFlowFilter] = []
        self.listings = 0
        self._failures: list[BaseException] = []

    def fail_next(self, error: BaseException | None = None) -> None:
        self._failures.append(error or SystemError_("nft: injected failure"))

    async def apply(self, text: str) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.nft.apply(text)

    def _ours(self) -> list[str]:
        return [n for n in self.nft.tables
                if n == self.prefix or n.startswith(f"{self.prefix}-")]

    async def list_tables(self) -> dict[str, TableListing]:
        self.listings += 1
        out = {}
        for name in self._ours():
            t = self.nft.tables[name]
            out[name] = TableListing(frozenset(t.chains),
                                     {n: int(s.timeout) for n, s in t.sets.items()})
        return out

    async def delete_tables(self) -> bool:
        existed = self.prefix in self.nft.tables
        for name in self._ours():
            del self.nft.tables[name]
        return existed

    async def delete_udp(self, flt: UdpFlowFilter) -> int:
        self.conntrack_deleted.append(flt)
        return 0


def _one(by_table: dict[str, dict[str, _T]], name: str, table: str | None) -> _T:
    if table is not None:
        return by_table[table][name]
    found = [d[name] for d in by_table.values() if name in d]
    if len(found) != 1:
        raise KeyError(f"{name}: in {len(found)} tables; name one")
    return found[0]


def _need(d: dict[str, _T], name: str) -> _T:
    if name not in d:
        raise ValueError(f"No such file or directory: {name}")
    return d[name]


def _chain_referenced(t: FakeTable, name: str) -> bool:
    refs = [target for c in t.chains.values() for r in c.rules for target in _REF.findall(r)]
    refs += [target for st in t.sets.values() for v in st.elements.values()
             for target in _REF.findall(v)]
    return name in refs


# --------------------------------------------------------------------------- tracing

_TERMINAL = ("accept", "drop", "reject")
Verdict = tuple[str, str]  # (accept|drop|reject|jump|goto|return, chain or "")


class _Tracer:
    def __init__(self, tables: dict[str, FakeTable], pkt: Packet, local_ips: tuple[str, ...],
                 rng: random.Random, now: float) -> None:
        self.tables = tables
        self.t = FakeTable()  # the table of the chain being run
        self.nat_done: set[str] = set()  # "dst", "src": bindings set up (nf_nat_inet_fn)
        self.pkt = pkt
        self.saddr, self.daddr, self.dport, self.proto = pkt.saddr, pkt.daddr, pkt.dport, pkt.proto
        self.local = set(local_ips)
        self.rng = rng
        self.now = now
        self.mark = 0
        self.out = Trace()

    def run(self) -> Trace:
        first = "output" if self.pkt.from_node else "prerouting"
        if not self._hook(first):
            return self.out
        if self._is_local(self.daddr) or not self.pkt.from_node:
            routed = "input" if self._is_local(self.daddr) else "forward"
            if not self._hook(routed):
                return self.out
        self._hook("postrouting")
        return self.out

    def _is_local(self, ip: str) -> bool:
        return ip in self.local or ip.startswith("127.")

    def _hook(self, hook: str) -> bool:
        """Every base chain on ``hook`` by priority, equal ones in the order their tables
        were made. Once a nat chain has translated the destination (prerouting, output)
        or the source (postrouting, input), the kernel's NAT core calls no further nat
        chain of that hook."""
        manip = "src" if hook in ("postrouting", "input") else "dst"
        base = sorted(((t, c) for t in self.tables.values() for c in t.chains.values()
                       if c.hook == hook), key=lambda tc: tc[1].priority)
        for table, chain in base:
            if chain.type == "nat" and manip in self.nat_done:
                continue
            self.t = table
            verdict = self._run(chain.name, 0)
            if verdict in ("drop", "reject"):
                self.out.verdict = verdict
                return False
        return True

    def _run(self, name: str, depth: int) -> str | None:
        """Run a chain; a terminal verdict, or None when it returns or falls off the end."""
        if depth > 32:
            raise ValueError("jump loop")
        self.out.chains.append(name)
        for rule in self.t.chains[name].rules:
            kind, target = self._rule(rule)
            if kind == "next":
                continue
            if kind == "jump":
                verdict = self._run(target, depth + 1)
                if verdict is not None:
                    return verdict
                continue
            if kind == "goto":
                return self._run(target, depth + 1)
            if kind == "return":
                return None
            return kind
        return None

    # ------------------------------------------------------------------ one rule

    def _rule(self, rule: str) -> Verdict:
        rule = re.sub(r'\s*comment ".*"$', "", rule)
        toks = rule.replace("{", " { ").replace("}", " } ").replace(",", " , ").split()
        i = 0
        while i < len(toks):
            step = self._expr(toks, i)
            if step is None:
                return ("next", "")  # a match failed
            i, verdict = step
            if verdict is not None:
                return verdict
        return ("next", "")

    def _expr(self, toks: list[str], i: int) -> tuple[int, Verdict | None] | None:
        """Evaluate the expression at ``toks[i]``: None when it does not match, else the
        next position and a verdict when the expression is a verdict statement."""
        tok = toks[i]
        rest = toks[i:]
        if rest[:3] == ["ct", "state", "new"]:
            return i + 3, None
        if tok in _TERMINAL or tok == "return":
            return i + 1, (tok, "")
        if tok in ("jump", "goto"):
            return i + 2, (tok, toks[i + 1])
        if tok == "dnat":
            ip, _, port = toks[i + 2].rpartition(":")
            self.out.dnat = (ip, int(port))
            self.daddr, self.dport = ip, int(port)
            self.nat_done.add("dst")
            return i + 3, ("accept", "")
        if tok == "masquerade":
            self.out.masquerade = True
            self.nat_done.add("src")
            return len(toks), ("accept", "")
        if tok == "numgen":  # numgen random mod N (vmap { … } | [==] V)
            drawn = self.rng.randrange(int(toks[i + 3]))
            if toks[i + 4] == "vmap":
                table, end = _inline_map(toks, i + 5)
                return end, _verdict(table.get(str(drawn), ""))
            j = i + 5 if toks[i + 4] == "==" else i + 4
            return (j + 1, None) if drawn == int(toks[j]) else None
        if tok == "update":
            self._update(toks[i + 1][1:])
            return toks.index("}", i) + 1, None
        if tok == "meta" and toks[i + 1] == "mark":
            return self._mark(toks, i)
        if tok == "fib":
            addr = self.saddr if toks[i + 1] == "saddr" else self.daddr
            return (i + 4, None) if self._is_local(addr) else None
        if tok in ("tcp", "udp", "sctp") and toks[i + 1] == "dport":
            ok = self.proto == tok and self.dport == int(toks[i + 2])
            return (i + 3, None) if ok else None
        return self._selector_match(toks, i)

    def _selector_match(self, toks: list[str], i: int) -> tuple[int, Verdict | None] | None:
        values, i = self._selectors(toks, i)
        if toks[i] == "vmap":
            key = " . ".join(values)
            value = self._lookup(toks[i + 1][1:], key)
            if value is None:
                return None
            return i + 2, _verdict(value)
        if len(values) != 1:
            raise ValueError(f"concatenation without vmap: {toks}")
        negate = toks[i] == "!="
        if negate:
            i += 1
        if toks[i].startswith("@"):
            hit = self._in_set(toks[i][1:], values[0])
            i += 1
        elif toks[i] == "{":
            end = toks.index("}", i)
            hit = any(_ip_in(values[0], x) for x in toks[i + 1:end] if x != ",")
            i = end + 1
        else:
            hit = _ip_in(values[0], toks[i]) if "." in toks[i] else values[0] == toks[i]
            i += 1
        return (i, None) if hit != negate else None

    def _selectors(self, toks: list[str], i: int) -> tuple[list[str], int]:
        values = []
        while True:
            pair = (toks[i], toks[i + 1])
            values.append(self._selector(pair))
            i += 2
            if toks[i] != ".":
                return values, i
            i += 1

    def _selector(self, pair: tuple[str, str]) -> str:
        if pair == ("ip", "daddr"):
            return self.daddr
        if pair == ("ip", "saddr"):
            return self.saddr
        if pair == ("meta", "l4proto"):
            return self.proto
        if pair == ("th", "dport"):
            return str(self.dport)
        raise ValueError(f"unknown selector {pair}")

    def _mark(self, toks: list[str], i: int) -> tuple[int, Verdict | None] | None:
        # meta mark & X == 0 | meta mark set meta mark (or|xor) X
        if toks[i + 2] == "&":
            value = self.mark & int(toks[i + 3], 16)
            return (i + 6, None) if value == int(toks[i + 5], 16) else None
        op, operand = toks[i + 5], int(toks[i + 6], 16)
        self.mark = self.mark | operand if op == "or" else self.mark ^ operand
        return i + 7, None

    def _lookup(self, name: str, key: str) -> str | None:
        return self.t.sets[name].elements.get(key)

    def _in_set(self, name: str, value: str) -> bool:
        s = self.t.sets[name]
        if "dynamic" in s.spec:
            expiry = s.dynamic.get(value)
            return expiry is not None and expiry > self.now
        return any(_ip_in(value, k) for k in s.elements)

    def _update(self, name: str) -> None:
        s = self.t.sets[name]
        s.dynamic[self.saddr] = self.now + s.timeout


def _inline_map(toks: list[str], i: int) -> tuple[dict[str, str], int]:
    """``{ 0 : goto a , 1 : goto b }`` starting at ``toks[i] == "{"``."""
    end = toks.index("}", i)
    out = {}
    for item in " ".join(toks[i + 1:end]).split(" , "):
        key, _, value = item.partition(" : ")
        out[key.strip()] = value.strip()
    return out, end + 1


def _verdict(value: str) -> Verdict:
    kind, _, target = value.partition(" ")
    if kind not in (*_TERMINAL, "jump", "goto", "return"):
        raise ValueError(f"bad verdict {value!r}")
    return kind, target


def _ip_in(ip: str, spec: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(spec, strict=False)
    except ValueError:
        return ip == spec
