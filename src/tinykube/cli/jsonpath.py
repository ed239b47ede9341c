"""kubectl's JSONPath templates (``-o jsonpath='{.spec.clusterIP}'``).

The dialect of ``k8s.io/client-go/util/jsonpath``: literal text with ``{...}`` actions; an
action is a quoted string (``{"\\n"}``), ``range PATH`` ... ``end``, or a path from the
current object: ``.field``, ``['field.with.dots']``, ``[0]``, ``[-1]``, ``[1:3]``, ``[*]``,
``.*``, ``..field`` (recursive), unions ``[0,2]`` and filters ``[?(@.type=="InternalIP")]``
with ``== != < <= > >=`` or a bare path for existence. The results of one action are
separated by a space; maps and lists print as compact JSON, ``null`` as ``null``. Missing
keys print nothing, as kubectl does by default (``--allow-missing-template-keys``).
Mistakes raise ``ConfigError`` with kubectl's wording. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tinykube.cli import encoding
from tinykube.errors import ConfigError

# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Path:
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Range:
    path: Path
    body: tuple[Node, ...]


@dataclass(frozen=True)
class Field:
    name: str  # "*" for every value


@dataclass(frozen=True)
class Recursive:
    name: str


@dataclass(frozen=True)
class Index:
    start: int | None
    stop: int | None = None
    step: int | None = None
    is_slice: bool = False


@dataclass(frozen=True)
class Union:
    parts: tuple[Step, ...]


@dataclass(frozen=True)
class Filter:
    left: Path
    op: str  # "" for existence
    right: Path | Literal | None


@dataclass(frozen=True)
class Literal:
    value: Any


Step = Field | Recursive | Index | Union | Filter
Node = Text | Path | Range | Literal


def _fail(template: str, why: str) -> ConfigError:
    return ConfigError(f"error parsing jsonpath {template}, {why}")


# --------------------------------------------------------------------------- parsing


def parse(template: str) -> tuple[Node, ...]:
    """The template as nodes; ``range`` blocks nested."""
    flat = list(_actions(template))
    nodes, rest = _nest(flat, template, closing=False)
    if rest:
        raise _fail(template, "not in range, nothing to end")
    return tuple(nodes)


def _actions(template: str) -> Iterator[Node | str]:
    """Text and actions in order; ``range``/``end`` come out as markers."""
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            yield Text(template[pos:])
            return
        if start > pos:
            yield Text(template[pos:start])
        end = _closing_brace(template, start)
        inner = template[start + 1:end].strip()
        pos = end + 1
        if inner == "end":
            yield "end"
        elif inner.startswith("range "):
            yield "range:" + inner[len("range "):].strip()
        elif inner.startswith('"') or inner.startswith("'"):
            yield Literal(_unquote(inner, template))
        else:
            yield _path(inner, template)


def _closing_brace(template: str, start: int) -> int:
    depth, quote = 0, ""
    for i in range(start, len(template)):
        ch = template[i]
        if quote:
            if ch == "\\":
                continue
            if ch == quote and template[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    raise _fail(template, "unclosed action")


def _nest(items: list[Node | str], template: str,
          closing: bool) -> tuple[list[Node], list[Node | str]]:
    out: list[Node] = []
    while items:
        item = items.pop(0)
        if item == "end":
            if not closing:
                return out, [item]
            return out, items
        if isinstance(item, str):
            body, items = _nest(items, template, closing=True)
            out.append(Range(_path(item[len("range:"):], template), tuple(body)))
        else:
            out.append(item)
    if closing:
        raise _fail(template, "unclosed range")
    return out, []


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def _unquote(text: str, template: str) -> str:
    if len(text) < 2 or text[-1] != text[0]:
        raise _fail(template, f"unterminated string {text}")
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


_IDENT = re.compile(r"(?:[A-Za-z0-9_\-/$]|\\\.)+")


def _path(text: str, template: str) -> Path:
    """``.a.b[0]``, ``$.a``, ``@.a``; a path not starting with a dot gets one (``a.b``)."""
    s = text.strip()
    if s.startswith(("$", "@")):
        s = s[1:]
    if s and not s.startswith((".", "[")):
        s = "." + s
    steps: list[Step] = []
    i = 0
    while i < len(s):
        if s.startswith("..", i):
            m = _IDENT.match(s, i + 2)
            name = m.group(0) if m else "*"
            steps.append(Recursive(name))
            i = m.end() if m else i + 3
        elif s[i] == ".":
            if s.startswith(".*", i):
                steps.append(Field("*"))
                i += 2
                continue
            m = _IDENT.match(s, i + 1)
            if not m:
                if i + 1 == len(s):  # "{.}" is the object itself
                    i += 1
                    continue
                raise _fail(template, f"unrecognized character in action: {s[i + 1:]!r}")
            steps.append(Field(m.group(0).replace("\\.", ".")))
            i = m.end()
        elif s[i] == "[":
            end = _closing_bracket(s, i, template)
            steps.append(_bracket(s[i + 1:end].strip(), template))
            i = end + 1
        else:
            raise _fail(template, f"unrecognized character in action: {s[i:]!r}")
    return Path(tuple(steps))


def _closing_bracket(s: str, start: int, template: str) -> int:
    depth, quote = 0, ""
    for i in range(start, len(s)):
        ch = s[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth == 0 and ch == "]":
                return i
    raise _fail(template, "unterminated array")


def _bracket(inner: str, template: str) -> Step:
    if inner == "*":
        return Field("*")
    if inner.startswith("?"):
        return _filter(inner[1:].strip(), template)
    parts = _split_top(inner, ",")
    if len(parts) > 1:
        return Union(tuple(_bracket(p.strip(), template) for p in parts))
    if inner[:1] in "\"'":
        return Field(_unquote(inner, template))
    if ":" in inner:
        bits = [b.strip() for b in inner.split(":")]
        nums = [_int(b, template) if b else None for b in bits]
        while len(nums) < 3:
            nums.append(None)
        return Index(nums[0], nums[1], nums[2], is_slice=True)
    return Index(_int(inner, template))


def _int(text: str, template: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _fail(template, f"invalid array index {text}") from None


def _split_top(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


_FILTER = re.compile(r"^\((.*)\)$", re.S)
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")


def _filter(text: str, template: str) -> Filter:
    m = _FILTER.match(text)
    if not m:
        raise _fail(template, f"invalid filter {text}")
    body = m.group(1).strip()
    for op in _OPERATORS:
        parts = _split_operator(body, op)
        if parts:
            left, right = parts
            return Filter(_path(left, template), op, _operand(right, template))
    return Filter(_path(body, template), "", None)


def _split_operator(body: str, op: str) -> tuple[str, str] | None:
    quote = ""
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif body.startswith(op, i):
            return body[:i].strip(), body[i + len(op):].strip()
    return None


def _operand(text: str, template: str) -> Path | Literal:
    if text[:1] in "\"'":
        return Literal(_unquote(text, template))
    if text.startswith(("@", "$", ".")):
        return _path(text, template)
    try:
        return Literal(json.loads(text))
    except ValueError:
        return Literal(text)


# --------------------------------------------------------------------------- evaluation


def render(template: str, data: Any) -> str:
    """The template applied to ``data``."""
    out: list[str] = []
    _run(parse(template), data, out)
    return "".join(out)


def _run(nodes: tuple[Node, ...], data: Any, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, Literal):
            out.append(str(node.value))
        elif isinstance(node, Range):
            for value in _eval(node.path, data):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    _run(node.body, item, out)
        else:
            out.append(" ".join(text(v) for v in _eval(node, data)))


def _eval(path: Path, data: Any) -> list[Any]:
    current: list[Any] = [data]
    for step in path.steps:
        current = [v for value in current for v in _apply(step, value)]
    return current


def _apply(step: Step, value: Any) -> list[Any]:
    if isinstance(step, Field):
        if step.name == "*":
            if isinstance(value, dict):
                return list(value.values())
            return list(value) if isinstance(value, list) else []
        return [value[step.name]] if isinstance(value, dict) and step.name in value else []
    if isinstance(step, Recursive):
        return list(_descend(value, step.name))
    if isinstance(step, Index):
        return _index(step, value)
    if isinstance(step, Union):
        return [v for part in step.parts for v in _apply(part, value)]
    return [item for item in (value if isinstance(value, list) else []) if _keep(step, item)]


def _index(step: Index, value: Any) -> list[Any]:
    if not isinstance(value, list):
        return []
    if step.is_slice:
        return value[step.start:step.stop:step.step]
    assert step.start is not None
    n = step.start if step.start >= 0 else len(value) + step.start
    return [value[n]] if 0 <= n < len(value) else []


def _descend(value: Any, name: str) -> Iterator[Any]:
    if isinstance(value, dict):
        if name == "*":
            yield from value.values()
        elif name in value:
            yield value[name]
        for v in value.values():
            yield from _descend(v, name)
    elif isinstance(value, list):
        for v in value:
            yield from _descend(v, name)


def _keep(f: Filter, item: Any) -> bool:
    lefts = _eval(f.left, item)
    if not f.op:
        return bool(lefts)
    if isinstance(f.right, Literal):
        rights = [f.right.value]
    else:
        rights = _eval(f.right, item) if f.right is not None else []
    return any(_compare(a, f.op, b) for a in lefts for b in rights)


def _compare(a: Any, op: str, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or op in ("==", "!="):
        same = a == b or str(a) == str(b) if not isinstance(a, dict | list) else a == b
        return same if op == "==" else (not same if op == "!=" else False)
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        x, y = str(a), str(b)  # type: ignore[assignment]
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def text(value: Any) -> str:
    """One result as kubectl prints it."""
    if isinstance(value, dict | list):
        return encoding.go_json(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
