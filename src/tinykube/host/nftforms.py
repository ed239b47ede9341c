"""Cache-light forms of an nft transaction, so that nft need not read the whole table first.

Before it evaluates a transaction, nft fills a cache from the kernel with whatever the
commands might refer to. In nft 1.0.x ``add rule`` and ``add element`` ask for every chain
of the family, and the kernel dumps chains in time quadratic in their number: with 30,000
chains that is ~0.2 s of the ~0.25 s a one-service partial sync costs, however small the
transaction. Declarations — ``add chain T C { rule ; … }`` and ``add map T M { type … ;
elements = { … } ; }`` — need only the list of tables, and nft expands them into the same
kernel messages as the command forms (plus a re-declaration of C or M, a no-op). This
module rewrites a transaction into that form when the result provably does the same:

- rules are folded into a declaration only of a chain that the same transaction declared
  (``add chain``) before them, with that declaration's spec, so a base chain stays one;
- a rule naming a set (``@name``) needs that set in nft's cache: it must be declared earlier
  in the transaction, or be known from the ``Schema``, and then its declaration is repeated
  before the rule (a no-op in the kernel);
- elements travel inside their set's declaration, taken from the transaction or the schema;
- anything else — deletes, inserts, lists, a rule with a ``;``, an interval set, a set
  nobody declared — leaves the transaction alone (``None``): it runs the ordinary way.
  nft reads every chain for any ``delete``, whatever else the text says, so the proxy's
  planner writes none in a change's sync: it takes elements out of a set or map by
  flushing it and adding back the rest;
- so do big transactions (over ``MAX_LINES``): the extra chain declarations lengthen the
  kernel's transaction, and binding anonymous sets costs time quadratic in that length —
  a full sync of 3,000 services took 20-30 % longer in this form, for a cache read that is
  a fraction of a second against tens of seconds of kernel work.

A ``Schema`` is what the caller learned of the table's sets from transactions it committed
itself (``learn``). It is only true while nobody else changes the ruleset; the caller must
check that (``nftlib`` compares the kernel's generation id) or pass an empty schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Key = tuple[str, str, str]  # family, table, set or chain name


@dataclass(frozen=True)
class Decl:
    """A set's or map's declaration: ``kind`` (set|map) and the text inside its braces."""

    kind: str
    body: str

    def line(self, key: Key, extra: str = "") -> str:
        family, table, name = key
        return f"add {self.kind} {family} {table} {name} {{ {_terminated(self.body)}{extra}}}"


@dataclass(frozen=True)
class Schema:
    """The declarations of the sets and maps a caller's own transactions created."""

    sets: Mapping[Key, Decl] = field(default_factory=dict)


EMPTY = Schema()
MAX_LINES = 5000  # ~800 changed service ports

_SETREF = re.compile(r"@([^\s{},;]+)")
_BRACED = re.compile(r"^(\S+)\s*\{(.*)\}\s*$", re.S)


@dataclass(frozen=True)
class _Line:
    verb: str
    obj: str
    key: Key
    rest: str  # after the name: a rule, a ``{ … }`` block or nothing


def _parse(line: str) -> _Line | None:
    """``<verb> <object> <family> <table> <name> [rest]``; None for any other shape."""
    parts = line.split(None, 4)
    if len(parts) < 4 or '"' in " ".join(parts[:4]):
        return None
    verb, obj, family, table = parts[:4]
    if obj == "table":
        return _Line(verb, obj, (family, table, ""), parts[4] if len(parts) > 4 else "")
    if len(parts) < 5:
        return None
    name, _, rest = parts[4].partition(" ")
    if name.startswith(("{", '"')):
        return None
    return _Line(verb, obj, (family, table, name), rest.strip())


def _braced(text: str) -> str | None:
    """The inside of ``{ … }`` (the whole of ``text``), or None."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    return text[1:-1].strip()


_PROPERTIES = ("type", "policy", "comment", "flags", "devices", "device")


def _only_properties(spec: str) -> bool:
    """A chain spec that declares properties only (type, hook, policy…), no rules."""
    parts = [p.strip() for p in spec.split(";")]
    return all(not p or p.split()[0] in _PROPERTIES for p in parts)


def _terminated(body: str) -> str:
    body = body.strip()
    return f"{body} " if not body or body.endswith(";") else f"{body} ; "


def _usable_decl(obj: str, rest: str) -> Decl | None:
    """A declaration we may repeat with elements: plain (no elements, no intervals)."""
    body = _braced(rest)
    if body is None or "elements" in body or "interval" in body or '"' in body:
        return None
    return Decl(obj, body)


class _Rewriter:
    """One pass over a transaction; ``out`` is None as soon as a line cannot be rewritten."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.chains: dict[Key, str] = {}  # declared in this transaction -> spec body
        self.sets: dict[Key, Decl | None] = {}  # declared here (None: not repeatable)
        self.out: list[str] | None = []
        self._rules: tuple[Key, list[str]] | None = None

    def fail(self) -> None:
        self.out = None

    def emit(self, line: str) -> None:
        if self.out is not None:
            self.out.append(line)

    def line(self, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("#"):
            return
        parsed = _parse(text)
        if parsed is None:
            return self.fail()
        if (parsed.verb, parsed.obj) == ("add", "rule"):
            return self.rule(parsed)
        self.flush_rules()
        if parsed.verb == "add" and parsed.obj == "table":
            return self.emit(text)
        if parsed.verb == "add" and parsed.obj == "chain":
            return self.chain(parsed, text)
        if parsed.verb == "add" and parsed.obj in ("set", "map"):
            self.sets[parsed.key] = _usable_decl(parsed.obj, parsed.rest)
            return self.emit(text)
        if parsed.verb == "add" and parsed.obj == "element":
            return self.elements(parsed)
        if parsed.verb == "flush" and parsed.obj in ("chain", "set", "map"):
            return self.emit(text)
        return self.fail()  # delete, insert, replace, list, reset, …

    def chain(self, parsed: _Line, text: str) -> None:
        spec = _braced(parsed.rest) if parsed.rest else ""
        if spec is None or not _only_properties(spec):
            return self.fail()
        self.chains[parsed.key] = spec
        self.emit(text)

    def rule(self, parsed: _Line) -> None:
        if parsed.key not in self.chains or ";" in parsed.rest or not parsed.rest:
            return self.fail()
        if self._rules is None or self._rules[0] != parsed.key:
            self.flush_rules()
            self._rules = (parsed.key, [])
        self._rules[1].append(parsed.rest)

    def flush_rules(self) -> None:
        if self._rules is None:
            return
        key, rules = self._rules
        self._rules = None
        for ref in sorted({m for r in rules for m in _SETREF.findall(r)}):
            self.need_set((key[0], key[1], ref))
        family, table, name = key
        body = _terminated(self.chains[key]) + " ; ".join(rules) + " ; "
        self.emit(f"add chain {family} {table} {name} {{ {body.lstrip()}}}")

    def need_set(self, key: Key) -> None:
        """Make sure nft's cache will hold set ``key`` when the next line is evaluated."""
        if key in self.sets:
            return
        decl = self.schema.sets.get(key)
        if decl is None:
            return self.fail()
        self.sets[key] = decl
        self.emit(decl.line(key))

    def elements(self, parsed: _Line) -> None:
        items = _braced(parsed.rest)
        decl = self.sets[parsed.key] if parsed.key in self.sets \
            else self.schema.sets.get(parsed.key)
        if items is None or decl is None or ";" in items:
            return self.fail()
        self.sets.setdefault(parsed.key, decl)
        self.emit(decl.line(parsed.key, f"elements = {{ {items} }} ; "))


def cache_light(text: str, schema: Schema = EMPTY, *,
                max_lines: int = MAX_LINES) -> str | None:
    """``text`` in forms that need no chain or set cache, or None when it cannot be."""
    lines = text.splitlines()
    if len(lines) > max_lines:
        return None
    w = _Rewriter(schema)
    for raw in lines:
        w.line(raw)
        if w.out is None:
            return None
    w.flush_rules()
    if w.out is None:
        return None
    return "\n".join(w.out) + "\n"


def learn(schema: Schema, text: str) -> Schema:
    """The schema after ``text`` was committed: its set declarations and deletions."""
    sets = dict(schema.sets)
    for raw in text.splitlines():
        parsed = _parse(raw.strip())
        if parsed is None:
            continue
        family, table, _ = parsed.key
        if parsed.obj == "table" and parsed.verb in ("delete", "destroy"):
            sets = {k: d for k, d in sets.items() if k[:2] != (family, table)}
        elif parsed.obj in ("set", "map") and parsed.verb == "add":
            decl = _usable_decl(parsed.obj, parsed.rest)
            if decl is None:
                sets.pop(parsed.key, None)
            else:
                sets[parsed.key] = decl
        elif parsed.obj in ("set", "map") and parsed.verb in ("delete", "destroy"):
            sets.pop(parsed.key, None)
    return Schema(sets)


def forget(schema: Schema, keys: Iterable[Key]) -> Schema:
    drop = set(keys)
    return Schema({k: d for k, d in schema.sets.items() if k not in drop})
