"""The API errors allocation answers with, worded exactly as kube-apiserver words them.

``field.Invalid`` renders its bad value with Go's formatting: numbers bare, strings
quoted, string slices as ``[]string{"10.96.0.10"}``. Pool exhaustion and health-check
port conflicts are not validation failures but ``NewInternalError``s (HTTP 500,
``Internal error occurred: …``).
"""

from __future__ import annotations

import json

from tinykube.api.meta import Obj, name
from tinykube.errors import Cause, InternalError, Invalid, invalid

GoValue = int | str | list[str] | None


def go_value(value: GoValue) -> str:
    """A bad value as ``field.Error`` prints it."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[]string{" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "}"


def invalid_value(field: str, value: GoValue, detail: str) -> Cause:
    return Cause("FieldValueInvalid", field, f"Invalid value: {go_value(value)}: {detail}")


def rejected(svc: Obj, causes: list[Cause]) -> Invalid:
    """The 422 for a Service: ``Service "<name>" is invalid: <field>: <message>``."""
    return invalid("Service", name(svc), causes)


def internal(message: str) -> InternalError:
    """``errors.NewInternalError``: a 500 whose one cause carries the bare message."""
    return InternalError(f"Internal error occurred: {message}", causes=[Cause("", "", message)])
