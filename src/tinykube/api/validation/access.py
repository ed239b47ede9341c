"""Reading fields of a JSON object without trusting their types.

Validation runs on objects as clients sent them, so a field may be missing, null, or of the
wrong JSON type. These readers never raise: a missing or mistyped field reads as the zero
value of its Go type (``""``, ``0``, empty map or list), which is what Kubernetes' structs
would hold after a lenient decode. Type mismatches themselves are the decoder's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSON = Mapping[str, Any]
_EMPTY: dict[str, Any] = {}


def obj(m: Any, key: str) -> JSON:
    """A nested object, or an empty one."""
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, Mapping) else _EMPTY


def opt_obj(m: Any, key: str) -> JSON | None:
    """A nested object, or None when absent (Go's nil pointer)."""
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, Mapping) else None


def text(m: Any, key: str) -> str:
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, str) else ""


def opt_text(m: Any, key: str) -> str | None:
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, str) else None


def num(m: Any, key: str) -> int:
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def opt_num(m: Any, key: str) -> int | None:
    v = m.get(key) if isinstance(m, Mapping) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def flag(m: Any, key: str) -> bool:
    v = m.get(key) if isinstance(m, Mapping) else None
    return v is True


def has(m: Any, key: str) -> bool:
    """The field is present and not null (a Go pointer that is set)."""
    return isinstance(m, Mapping) and m.get(key) is not None


def objs(m: Any, key: str) -> list[JSON]:
    """A list of objects; non-object entries read as empty objects."""
    v = m.get(key) if isinstance(m, Mapping) else None
    if not isinstance(v, list):
        return []
    return [i if isinstance(i, Mapping) else _EMPTY for i in v]


def texts(m: Any, key: str) -> list[str]:
    v = m.get(key) if isinstance(m, Mapping) else None
    if not isinstance(v, list):
        return []
    return [i if isinstance(i, str) else "" for i in v]


def string_map(m: Any, key: str) -> dict[str, str]:
    v = m.get(key) if isinstance(m, Mapping) else None
    if not isinstance(v, Mapping):
        return {}
    return {str(k): (x if isinstance(x, str) else "") for k, x in v.items()}


def int_or_string(m: Any, key: str) -> int | str:
    """An ``IntOrString`` field: the int, the string, or 0 when absent."""
    v = m.get(key) if isinstance(m, Mapping) else None
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return 0


def comparable(value: Any) -> Any:
    """JSON with nulls and empty containers dropped, so absent and empty compare equal.

    Go compares structs in which a nil pointer, a missing field and an empty list are all
    the zero value; JSON objects need this to compare the same way.
    """
    if isinstance(value, Mapping):
        out = {k: comparable(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value
