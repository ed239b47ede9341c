"""JSON patch (RFC 6902) over JSON pointers (RFC 6901).

Operations ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``, applied in
order to a copy of the target; the first failing one stops the patch and nothing is
changed. ``-`` appends to an array, ``~1`` and ``~0`` stand for ``/`` and ``~``.

Errors follow the API server: a body that is not an array of objects is 400 BadRequest
(it fails to decode), more than 10000 operations is 413, and an operation that does not
apply (a missing path, a failed ``test``, an unknown ``op``) is 422 Invalid. Kubernetes
words that 422 "the server rejected our request due to an error in our request" and
drops the reason; tinykube keeps the reason, in evanphx/json-patch's words.
"""

from __future__ import annotations

import copy
from typing import Any

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, Invalid, RequestEntityTooLarge

MAX_OPERATIONS = 10000


def json_patch(target: Obj, ops: Any) -> Obj:
    """A copy of ``target`` with every operation of ``ops`` applied."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise BadRequest("json: cannot unmarshal the patch into []jsonpatch.Operation")
    if len(ops) > MAX_OPERATIONS:
        raise RequestEntityTooLarge(
            f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {len(ops)}"
        )
    doc: Any = copy.deepcopy(target)
    for op in ops:
        doc = _apply(doc, op)
    if not isinstance(doc, dict):
        raise Invalid("the patched document is not a JSON object")
    return doc


def _apply(doc: Any, op: dict[str, Any]) -> Any:
    kind = op.get("op")
    path = _pointer(op, "path")
    if kind == "add":
        return _add(doc, path, _value(op), kind)
    if kind == "remove":
        return _remove(doc, path, kind)
    if kind == "replace":
        value = _value(op)
        doc = _remove(doc, path, kind)
        return _add(doc, path, value, kind)
    if kind == "move":
        source = _pointer(op, "from")
        if path[: len(source)] == source and len(path) > len(source):
            raise Invalid(f"move operation does not apply: {_text(path)} is a child of its from")
        value = _get(doc, source, kind)
        return _add(_remove(doc, source, kind), path, value, kind)
    if kind == "copy":
        value = copy.deepcopy(_get(doc, _pointer(op, "from"), kind))
        return _add(doc, path, value, kind)
    if kind == "test":
        if not json_equal(_get(doc, path, kind), _value(op)):
            raise Invalid(f"testing value {_text(path)} failed: test failed")
        return doc
    raise Invalid(f"Unexpected kind: {kind}")


def _value(op: dict[str, Any]) -> Any:
    if "value" not in op:
        raise Invalid(f"{op.get('op')} operation, missing value field")
    return copy.deepcopy(op["value"])


def _pointer(op: dict[str, Any], field: str) -> list[str]:
    """The reference tokens of ``op[field]``: ``/a~1b/0`` is ``["a/b", "0"]``."""
    text = op.get(field)
    if not isinstance(text, str):
        raise Invalid(f"{op.get('op')} operation, missing {field} field")
    if text == "":
        return []
    if not text.startswith("/"):
        raise Invalid(f"{op.get('op')} operation, invalid {field} {text!r}: must start with /")
    return [t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/")]


def _text(tokens: list[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _index(array: list[Any], token: str, kind: str, tokens: list[str], *, end: bool) -> int:
    """The array index ``token`` names; ``end`` allows ``len`` (and ``-``) for add."""
    if token == "-" and end:
        return len(array)
    limit = len(array) if end else len(array) - 1
    valid = token.isdigit() and (token == "0" or not token.startswith("0"))
    if not valid or int(token) > limit:
        raise Invalid(f"{kind} operation does not apply: doc is missing path: {_text(tokens)}")
    return int(token)


def _parent(doc: Any, tokens: list[str], kind: str) -> Any:
    try:
        return _get(doc, tokens[:-1], kind)
    except Invalid:
        raise Invalid(
            f"{kind} operation does not apply: doc is missing path: {_text(tokens)}"
        ) from None


def _get(doc: Any, tokens: list[str], kind: str) -> Any:
    node = doc
    for i, token in enumerate(tokens):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, kind, tokens[: i + 1], end=False)]
        else:
            raise Invalid(f"{kind} operation does not apply: doc is missing path: {_text(tokens)}")
    return node


def _add(doc: Any, tokens: list[str], value: Any, kind: str) -> Any:
    if not tokens:
        return value
    parent = _parent(doc, tokens, kind)
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, tokens[-1], kind, tokens, end=True), value)
    else:
        raise Invalid(f"{kind} operation does not apply: doc is missing path: {_text(tokens)}")
    return doc


def _remove(doc: Any, tokens: list[str], kind: str) -> Any:
    if not tokens:
        return None
    parent = _parent(doc, tokens, kind)
    if isinstance(parent, dict) and tokens[-1] in parent:
        del parent[tokens[-1]]
    elif isinstance(parent, list):
        del parent[_index(parent, tokens[-1], kind, tokens, end=False)]
    else:
        raise Invalid(f"{kind} operation does not apply: doc is missing path: {_text(tokens)}")
    return doc


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: numbers by value (1 == 1.0), but a bool is not a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b
