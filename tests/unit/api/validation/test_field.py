"""Field error constructors and Go's rendering of bad values."""

from __future__ import annotations

from tinykube.api.validation import field
from tinykube.api.validation.govalue import GoText, quote, render
from tinykube.errors import Cause


def test_constructors_word_messages_like_kubernetes() -> None:
    assert field.required("spec.ports") == Cause(
        "FieldValueRequired", "spec.ports", "Required value"
    )
    assert field.required("a", "why").message == "Required value: why"
    assert field.invalid("p", 0, "bad").message == "Invalid value: 0: bad"
    assert field.invalid("p", None, "bad").message == "Invalid value: null: bad"
    assert field.invalid("p", True, "bad").message == "Invalid value: true: bad"
    assert field.not_supported("p", "X", ["A", "B"]).message == (
        'Unsupported value: "X": supported values: "A", "B"'
    )
    assert field.duplicate("p", "http") == Cause(
        "FieldValueDuplicate", "p", 'Duplicate value: "http"'
    )
    assert field.forbidden("p", "no").message == "Forbidden: no"
    assert field.too_long("p", 1).message == "Too long: may not be more than 1 byte"
    assert field.too_many("p", 3, 2).message == "Too many: 3: must have at most 2 items"
    assert field.not_found("p", "x").message == 'Not found: "x"'
    assert field.internal("p", "boom") == Cause("InternalError", "p", "Internal error: boom")
    assert field.immutable("p", "a", "a") == []
    assert field.immutable("p", "b", "a")[0].message == 'Invalid value: "b": field is immutable'
    assert field.enum("", ("A", "B"), "p") == [field.required("p")]
    assert field.enum("X", ("A", "B"), "p") == [field.not_supported("p", "X", ("A", "B"))]
    assert field.enum("B", ("A", "B"), "p") == []


def test_go_rendering() -> None:
    assert quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'
    assert render(["10.96.0.1"]) == '[]string{"10.96.0.1"}'
    assert render([]) == "[]string{}"
    assert render({"b": "2", "a": "1"}) == 'map[string]string{"a":"1", "b":"2"}'
    assert render(1.5) == "1.5"
    assert render(GoText("raw")) == "raw"
    assert render([1, "a"]) == '[]interface {}{1, "a"}'
