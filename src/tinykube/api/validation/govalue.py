"""How Kubernetes prints a bad value inside a validation message.

The kube-apiserver is written in Go and renders the offending value of a field error with
``fmt``: strings with ``%q`` (``"1abc"``), numbers and booleans bare (``0``, ``true``), absent
pointers as ``null``, and anything else with ``%#v`` (``[]string{"10.96.0.9"}``,
``map[string]string{"app":"web"}``, ``core.ServicePort{...}``). Clients and tests compare
these texts, so this module reproduces them from our JSON values.

``GoText`` carries text that is already rendered (a struct printed by the caller, or a
``String()`` result); everything else is rendered from its Python type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GoText:
    """A value rendered already, printed as is."""

    text: str


_SIMPLE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def quote(text: str) -> str:
    """Go's ``strconv.Quote``: double quotes, backslash escapes, printable Unicode kept."""
    out = ['"']
    for ch in text:
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def render(value: Any) -> str:
    """The text Go's field error would show for ``value`` (``ErrorBody``'s rules)."""
    if isinstance(value, GoText):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return quote(value)
    return go_syntax(value)


def go_syntax(value: Any) -> str:
    """Go's ``%#v`` of a JSON value: string slices, string maps, generic values."""
    if isinstance(value, GoText):
        return value.text
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        return _map(value)
    if isinstance(value, Sequence):
        return _slice(value)
    return render(value)


def _float(value: float) -> str:
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _slice(items: Sequence[Any]) -> str:
    if all(isinstance(i, str) for i in items):
        return "[]string{" + ", ".join(quote(i) for i in items) + "}"
    return "[]interface {}{" + ", ".join(go_syntax(i) for i in items) + "}"


def _map(m: Mapping[Any, Any]) -> str:
    if all(isinstance(k, str) and isinstance(v, str) for k, v in m.items()):
        body = ", ".join(f"{quote(k)}:{quote(m[k])}" for k in sorted(m))
        return "map[string]string{" + body + "}"
    body = ", ".join(f"{quote(str(k))}:{go_syntax(m[k])}" for k in sorted(m, key=str))
    return "map[string]interface {}{" + body + "}"


def struct(type_name: str, fields: Sequence[tuple[str, str]]) -> GoText:
    """``%#v`` of a struct whose field values the caller rendered already."""
    return GoText(type_name + "{" + ", ".join(f"{k}:{v}" for k, v in fields) + "}")


def string_slice_or_nil(items: Sequence[str] | None) -> str:
    """``%#v`` of a ``[]string`` field inside a struct (``[]string(nil)`` when empty)."""
    if not items:
        return "[]string(nil)"
    return _slice(list(items))


def nil_pointer(type_name: str) -> str:
    return f"(*{type_name})(nil)"
