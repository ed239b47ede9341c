"""Label selectors: Kubernetes' grammar, parsed once and matched fast.

The text form is what kubectl sends in ``?labelSelector=`` (already URL-decoded):
requirements separated by commas, all of which must hold::

    key=value  key==value  key!=value          equality (a value may be empty: key=)
    key in (a,b)  key notin (a,b)              set membership
    key  !key                                  existence
    key>5  key<5                               integer comparison

Whitespace between tokens is ignored. Keys must be qualified names and values label
values (apimachinery's ``labels.Parse``); problems raise ``BadRequest`` with Kubernetes'
``unable to parse requirement: ...`` wording. A ``Selector`` is an immutable, hashable value
with a canonical ``str()`` (requirements sorted by key, set values sorted); ``matches`` is
compiled when the selector is built, since it runs for every object of every list and
watch event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tinykube.api.validation.govalue import go_syntax, quote
from tinykube.api.validation.names import is_qualified_name, is_valid_label_value
from tinykube.errors import BadRequest

Labels = Mapping[str, str]
Matcher = Callable[[Labels], bool]

EQUALS, NOT_EQUALS, IN, NOT_IN = "=", "!=", "in", "notin"
EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN = "exists", "!", "gt", "lt"
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, order=True)
class Requirement:
    """One ``key <operator> values`` term; ``values`` is sorted and de-duplicated."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        return _compile_one(self)(labels)

    def __str__(self) -> str:
        op, key = self.operator, self.key
        if op == EXISTS:
            return key
        if op == DOES_NOT_EXIST:
            return "!" + key
        joined = ",".join(self.values)
        if op in (IN, NOT_IN):
            return f"{key} {op} ({joined})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{key}{symbol}{joined}"


@dataclass(frozen=True)
class Selector:
    """Requirements that must all hold. ``nothing`` is the selector that matches nothing."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False
    _match: Matcher = field(default=lambda labels: True, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_match", _compile(self.requirements, self.nothing))

    def matches(self, labels: Labels) -> bool:
        return self._match(labels)

    def empty(self) -> bool:
        """True when it selects everything (no requirements)."""
        return not self.requirements and not self.nothing

    def exact(self, key: str) -> str | None:
        """The value ``key`` must equal, when one requirement pins it (for index lookups)."""
        for req in self.requirements:
            if req.key == key and req.operator in (EQUALS, IN) and len(req.values) == 1:
                return req.values[0]
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# --------------------------------------------------------------------------- matching


def _compile(requirements: tuple[Requirement, ...], nothing: bool) -> Matcher:
    if nothing:
        return lambda labels: False
    if not requirements:
        return lambda labels: True
    if all(r.operator == EQUALS for r in requirements):
        pairs = tuple((r.key, r.values[0]) for r in requirements)
        if len(pairs) == 1:
            ((k, v),) = pairs
            return lambda labels: labels.get(k) == v

        def equal_all(labels: Labels) -> bool:
            get = labels.get
            # A plain loop: all() over a generator is 2-3x slower on this hot path.
            for k, v in pairs:  # noqa: SIM110
                if get(k) != v:
                    return False
            return True

        return equal_all
    checks = tuple(_compile_one(r) for r in requirements)
    if len(checks) == 1:
        return checks[0]

    def all_hold(labels: Labels) -> bool:
        for check in checks:  # noqa: SIM110  (as above)
            if not check(labels):
                return False
        return True

    return all_hold


def _compile_one(req: Requirement) -> Matcher:
    key, op, values = req.key, req.operator, req.values
    if op == EXISTS:
        return lambda labels: key in labels
    if op == DOES_NOT_EXIST:
        return lambda labels: key not in labels
    if op == EQUALS:
        value = values[0]
        return lambda labels: labels.get(key) == value
    if op == NOT_EQUALS:
        value = values[0]
        return lambda labels: labels.get(key) != value
    allowed = frozenset(values)
    if op == IN:
        return lambda labels: key in labels and labels[key] in allowed
    if op == NOT_IN:
        return lambda labels: key not in labels or labels[key] not in allowed
    bound = int(values[0])
    greater = op == GREATER_THAN

    def compare(labels: Labels) -> bool:
        text = labels.get(key)
        if text is None or not _INTEGER.fullmatch(text):
            return False
        return int(text) > bound if greater else int(text) < bound

    return compare


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)


# --------------------------------------------------------------------------- building


def requirement(key: str, operator: str, values: Iterable[str] = ()) -> Requirement:
    """A checked requirement (apimachinery's ``NewRequirement``); raises ``BadRequest``."""
    vals = sorted(set(values))
    problems = _requirement_problems(key, operator, vals)
    if problems:
        body = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise BadRequest(body)
    return Requirement(key, EQUALS if operator == "==" else operator, tuple(vals))


def _requirement_problems(key: str, op: str, vals: list[str]) -> list[str]:
    problems = []
    key_errs = is_qualified_name(key)
    if key_errs:
        problems.append(f"key: Invalid value: {quote(key)}: {'; '.join(key_errs)}")
    values = f"values: Invalid value: {go_syntax(vals)}"
    if op in (IN, NOT_IN) and not vals:
        problems.append(f"{values}: for 'in', 'notin' operators, values set can't be empty")
    elif op in (EQUALS, "==", NOT_EQUALS) and len(vals) != 1:
        problems.append(f"{values}: exact-match compatibility requires one single value")
    elif op in (EXISTS, DOES_NOT_EXIST) and vals:
        problems.append(f"{values}: values set must be empty for exists and does not exist")
    elif op in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            problems.append(f"{values}: for 'Gt', 'Lt' operators, exactly one value is required")
        problems += [
            f"values[{i}]: Invalid value: {quote(v)}: for 'Gt', 'Lt' operators, the value "
            "must be an integer"
            for i, v in enumerate(vals)
            if not _INTEGER.fullmatch(v)
        ]
    elif op not in (IN, NOT_IN, EQUALS, "==", NOT_EQUALS, EXISTS, DOES_NOT_EXIST):
        problems.append(f"operator: Unsupported value: {quote(op)}")
    for i, v in enumerate(vals):
        value_errs = is_valid_label_value(v)
        if value_errs:
            problems.append(
                f"values[{i}][{key}]: Invalid value: {quote(v)}: {'; '.join(value_errs)}"
            )
    return problems


def selector(requirements: Iterable[Requirement]) -> Selector:
    """A selector of these requirements, in canonical order (by key, then operator)."""
    return Selector(tuple(sorted(requirements)))


def from_set(labels: Mapping[str, str]) -> Selector:
    """The equality selector a Service's ``spec.selector`` map means (``{}`` is everything)."""
    return selector(Requirement(k, EQUALS, (v,)) for k, v in labels.items())


def from_label_selector(sel: Mapping[str, Any] | None) -> Selector:
    """A ``metav1.LabelSelector`` (``matchLabels`` + ``matchExpressions``).

    None matches nothing (Kubernetes' rule for a nil selector); ``{}`` matches everything.
    Raises ``BadRequest`` for an unknown operator or invalid keys and values.
    """
    if sel is None:
        return NOTHING
    match_labels = sel.get("matchLabels") or {}
    exprs = sel.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(exprs, list):
        raise BadRequest("invalid label selector")
    reqs = [requirement(str(k), EQUALS, [str(v)]) for k, v in match_labels.items()]
    for expr in exprs:
        reqs.append(_expression(expr if isinstance(expr, Mapping) else {}))
    return selector(reqs)


_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def _expression(expr: Mapping[str, Any]) -> Requirement:
    operator = expr.get("operator")
    op = _OPERATORS.get(operator) if isinstance(operator, str) else None
    if op is None:
        raise BadRequest(f"{quote(str(operator or ''))} is not a valid label selector operator")
    values = expr.get("values") or []
    if not isinstance(values, list):
        raise BadRequest("invalid label selector")
    return requirement(str(expr.get("key") or ""), op, [str(v) for v in values])


# --------------------------------------------------------------------------- parsing


def parse(text: str) -> Selector:
    """Parse ``a=b,c!=d,e in (f,g),!h,i`` (kubectl's syntax). Raises ``BadRequest``."""
    return selector(_Parser(_lex(text)).parse())


_SPECIAL = "=!(),<>"
_IDENTIFIER, _END = "identifier", "end"


@dataclass(frozen=True)
class _Token:
    kind: str  # _IDENTIFIER, _END, or the symbol itself ("=", "==", "!=", "!", "(", ...)
    text: str


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _SPECIAL:
            two = text[i : i + 2]
            symbol = two if two in ("==", "!=") else ch
            tokens.append(_Token(symbol, symbol))
            i += len(symbol)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append(_Token(_IDENTIFIER, text[start:i]))
    tokens.append(_Token(_END, ""))
    return tokens


class _Parser:
    """apimachinery's recursive-descent selector parser, error texts included."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        tok = self.tokens[self.pos]
        if tok.kind != _END:
            self.pos += 1
        return tok

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok = self.peek()
            if tok.kind == _END:
                return reqs
            if tok.kind not in (_IDENTIFIER, "!"):
                raise BadRequest(f"found '{tok.text}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except BadRequest as err:
                raise BadRequest(f"unable to parse requirement: {err.message}") from None
            tok = self.take()
            if tok.kind == _END:
                return reqs
            if tok.kind != ",":
                raise BadRequest(f"found '{tok.text}', expected: ',' or 'end of string'")
            after = self.peek()
            if after.kind not in (_IDENTIFIER, "!"):
                raise BadRequest(f"found '{after.text}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negated = self.peek().kind == "!"
        if negated:
            self.take()
        tok = self.take()
        if tok.kind != _IDENTIFIER:
            raise BadRequest(f"found '{tok.text}', expected: identifier")
        key = tok.text
        if negated or self.peek().kind in (_END, ","):
            return requirement(key, DOES_NOT_EXIST if negated else EXISTS)
        op = self.operator()
        values = self.set_values() if op in (IN, NOT_IN) else self.exact_value()
        return requirement(key, op, values)

    def operator(self) -> str:
        tok = self.take()
        if tok.kind == _IDENTIFIER and tok.text in (IN, NOT_IN):
            return tok.text
        ops = {"=": EQUALS, "==": "==", "!=": NOT_EQUALS, ">": GREATER_THAN, "<": LESS_THAN}
        if tok.kind in ops:
            return ops[tok.kind]
        raise BadRequest(f"found '{tok.text}', expected: {_BINARY_OPERATORS}")

    def exact_value(self) -> list[str]:
        if self.peek().kind in (_END, ","):
            return [""]
        tok = self.take()
        if tok.kind == _IDENTIFIER:
            return [tok.text]
        raise BadRequest(f"found '{tok.text}', expected: identifier")

    def set_values(self) -> list[str]:
        tok = self.take()
        if tok.kind != "(":
            raise BadRequest(f"found '{tok.text}' expected: '('")
        first = self.peek()
        if first.kind == ")":
            self.take()
            return [""]
        if first.kind not in (_IDENTIFIER, ","):
            raise BadRequest(f"found '{first.text}', expected: ',', ')' or identifier")
        values = self.identifiers()
        closing = self.take()
        if closing.kind != ")":
            raise BadRequest(f"found '{closing.text}', expected: ')'")
        return values

    def identifiers(self) -> list[str]:
        values: list[str] = []
        while True:
            tok = self.take()
            if tok.kind == _IDENTIFIER:
                values.append(tok.text)
                after = self.peek()
                if after.kind == ")":
                    return values
                if after.kind != ",":
                    raise BadRequest(f"found '{after.text}', expected: ',' or ')'")
            elif tok.kind == ",":
                if not values:
                    values.append("")
                after = self.peek()
                if after.kind == ")":
                    values.append("")
                    return values
                if after.kind == ",":
                    self.take()
                    values.append("")
            else:
                raise BadRequest(f"found '{tok.text}', expected: ',', or identifier")
