"""Field errors worded exactly as Kubernetes words them.

These are the constructors of apimachinery's ``field`` package (``Required``, ``Invalid``,
``NotSupported``, ``Duplicate``, ``Forbidden``, ``TooLong``, ``TooMany``, ``NotFound``,
``InternalError``). Each returns an ``errors.Cause`` whose ``type`` is the cause reason the
API reports (``FieldValueInvalid``...) and whose ``message`` is Go's ``ErrorBody()``:
``<Type string>[: <bad value>][: <detail>]``. Field paths are plain strings built by the
callers (``spec.ports[1].name``, ``metadata.annotations[key]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tinykube.api.validation.govalue import quote, render
from tinykube.errors import Cause

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
NOT_FOUND = "FieldValueNotFound"
INTERNAL = "InternalError"

IMMUTABLE = "field is immutable"


def _body(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def required(path: str, detail: str = "") -> Cause:
    return Cause(REQUIRED, path, _body("Required value", detail))


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause(INVALID, path, _body(f"Invalid value: {render(value)}", detail))


def not_supported(path: str, value: Any, valid: Iterable[str]) -> Cause:
    """``valid`` is printed in the order given (callers sort when Kubernetes sorts)."""
    values = list(valid)
    detail = "supported values: " + ", ".join(quote(v) for v in values) if values else ""
    return Cause(NOT_SUPPORTED, path, _body(f"Unsupported value: {render(value)}", detail))


def enum(value: str, valid: Sequence[str], path: str) -> list[Cause]:
    """A value that is required and must be one of ``valid``."""
    if not value:
        return [required(path)]
    if value not in valid:
        return [not_supported(path, value, valid)]
    return []


def duplicate(path: str, value: Any) -> Cause:
    return Cause(DUPLICATE, path, f"Duplicate value: {render(value)}")


def forbidden(path: str, detail: str) -> Cause:
    return Cause(FORBIDDEN, path, _body("Forbidden", detail))


def too_long(path: str, max_length: int) -> Cause:
    unit = "byte" if max_length == 1 else "bytes"
    return Cause(TOO_LONG, path, f"Too long: may not be more than {max_length} {unit}")


def too_many(path: str, actual: int, max_quantity: int) -> Cause:
    unit = "item" if max_quantity == 1 else "items"
    return Cause(TOO_MANY, path, f"Too many: {actual}: must have at most {max_quantity} {unit}")


def not_found(path: str, value: Any, detail: str = "") -> Cause:
    return Cause(NOT_FOUND, path, _body(f"Not found: {render(value)}", detail))


def internal(path: str, detail: str) -> Cause:
    return Cause(INTERNAL, path, _body("Internal error", detail))


def invalid_each(path: str, value: Any, messages: Iterable[str]) -> list[Cause]:
    """One ``Invalid`` per message of a format check (``for _, msg := range IsX(v)``)."""
    return [invalid(path, value, m) for m in messages]


def immutable(path: str, new: Any, old: Any) -> list[Cause]:
    """``ValidateImmutableField``: ``Invalid value: <new>: field is immutable`` on change."""
    return [] if new == old else [invalid(path, new, IMMUTABLE)]
