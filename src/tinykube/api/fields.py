"""Field selectors: ``?fieldSelector=metadata.name=web,status.phase!=Running``.

Terms are ``field=value``, ``field==value`` or ``field!=value``, separated by commas and
all required to hold. A value may contain ``\\,``, ``\\=`` and ``\\\\`` escapes (apimachinery's
``fields.EscapeValue``). Only the fields Kubernetes indexes for a kind may be used (its
``GetAttrs``/field-label conversion): every kind has ``metadata.name`` and
``metadata.namespace``; others are listed in ``SUPPORTED``. Anything else is a
``BadRequest`` saying ``field label not supported: <field>``.

A ``FieldSelector`` is compiled once into ``(getter, value, negated)`` triples; ``matches``
reads each field straight from the object's JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest

Getter = Callable[[Obj], str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _path(*keys: str) -> Getter:
    """A getter for a nested string field; absent reads as ``""``."""
    if len(keys) == 2:
        outer, inner = keys

        def get2(obj: Obj) -> str:
            section = obj.get(outer)
            return _text(section.get(inner)) if isinstance(section, dict) else ""

        return get2

    def get(obj: Obj) -> str:
        cur: Any = obj
        for key in keys:
            if not isinstance(cur, dict):
                return ""
            cur = cur.get(key)
        return _text(cur)

    return get


def _bool(*keys: str) -> Getter:
    """A getter for a boolean field, read as Go prints it (absent is ``false``)."""
    get = _path(*keys)
    return lambda obj: "true" if get(obj) == "true" else "false"


def _int(*keys: str) -> Getter:
    """A getter for an integer field, read as Go prints it (absent is ``0``)."""
    get = _path(*keys)

    def read(obj: Obj) -> str:
        text = get(obj)
        return text if text.lstrip("-").isdigit() else "0"

    return read


_COMMON: dict[str, Getter] = {
    "metadata.name": _path("metadata", "name"),
    "metadata.namespace": _path("metadata", "namespace"),
}

SUPPORTED: dict[str, dict[str, Getter]] = {
    "Pod": {
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": _bool("spec", "hostNetwork"),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "Event": {
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "Namespace": {"status.phase": _path("status", "phase")},
    "Node": {"spec.unschedulable": _bool("spec", "unschedulable")},
    "Service": {
        "spec.clusterIP": _path("spec", "clusterIP"),
        "spec.type": _path("spec", "type"),
    },
    "EndpointSlice": {"addressType": _path("addressType")},
    "ReplicaSet": {"status.replicas": _int("status", "replicas")},
}


def getters(kind: Kind) -> dict[str, Getter]:
    """The selectable fields of ``kind`` and how to read each."""
    return {**_COMMON, **SUPPORTED.get(kind.kind, {})}


@dataclass(frozen=True)
class Term:
    field: str
    value: str
    negated: bool

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{escape(self.value)}"


class FieldSelector:
    """A parsed field selector: ``=``, ``==`` and ``!=`` requirements, all ANDed."""

    __slots__ = ("_checks", "terms")

    def __init__(self, terms: tuple[Term, ...] = (), kind: Kind | None = None) -> None:
        self.terms = terms
        table = getters(kind) if kind is not None else _COMMON
        self._checks = tuple((table[t.field], t.value, t.negated) for t in terms)

    def matches(self, obj: Obj) -> bool:
        # A plain loop: all() over a generator is 2-3x slower, and this runs per object.
        for get, value, negated in self._checks:  # noqa: SIM110
            if (get(obj) == value) == negated:
                return False
        return True

    def empty(self) -> bool:
        return not self.terms

    def exact(self, field: str) -> str | None:
        """The value ``field`` must equal, if a term pins it (``metadata.name=web``)."""
        for t in self.terms:
            if t.field == field and not t.negated:
                return t.value
        return None

    def __str__(self) -> str:
        return ",".join(str(t) for t in self.terms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)


def parse(kind: Kind, text: str) -> FieldSelector:
    """Parse a field selector for ``kind``; unsupported fields raise ``BadRequest``."""
    table = getters(kind)
    terms = []
    for part in _split_unescaped(text, ","):
        if not part.strip():
            continue
        term = _parse_term(part)
        if term.field not in table:
            raise BadRequest(f"field label not supported: {term.field}")
        terms.append(term)
    return FieldSelector(tuple(terms), kind)


def _parse_term(part: str) -> Term:
    for op in ("!=", "==", "="):
        index = _find_unescaped(part, op)
        if index >= 0:
            name = part[:index].strip()
            value = unescape(part[index + len(op) :])
            return Term(name, value, op == "!=")
    raise BadRequest(f"invalid selector: '{part}'; can't understand '{part}'")


def _find_unescaped(text: str, needle: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


_ESCAPES = {"\\": "\\", ",": ",", "=": "="}


def unescape(value: str) -> str:
    """Undo ``escape``; an unknown escape or a bare ``,``/``=`` is a ``BadRequest``."""
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1 : i + 2]
            if nxt not in _ESCAPES:
                raise BadRequest(f"invalid field selector value: invalid escape sequence: {value}")
            out.append(nxt)
            i += 2
            continue
        if ch in ",=":
            raise BadRequest(f"invalid field selector value: unescaped {ch} in value: {value}")
        out.append(ch)
        i += 1
    return "".join(out)


def escape(value: str) -> str:
    """apimachinery's ``fields.EscapeValue``."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
