import pytest

from tinykube.apiserver.allocation.causes import go_value, internal, invalid_value, rejected


@pytest.mark.parametrize(
    ("value", "text"),
    [(30080, "30080"), ("IPv6", '"IPv6"'), (["10.96.0.10"], '[]string{"10.96.0.10"}'),
     (["a", "b"], '[]string{"a", "b"}'), ([], "[]string{}"), (None, "null")],
)
def test_go_value(value: object, text: str) -> None:
    assert go_value(value) == text  # type: ignore[arg-type]


def test_invalid_and_internal_bodies() -> None:
    cause = invalid_value("spec.ports[0].nodePort", 80, "nope")
    assert cause.type == "FieldValueInvalid"
    assert cause.message == "Invalid value: 80: nope"
    err = rejected({"metadata": {"name": "web"}}, [cause, cause])
    assert err.code == 422
    assert str(err) == (
        'Service "web" is invalid: [spec.ports[0].nodePort: Invalid value: 80: nope, '
        "spec.ports[0].nodePort: Invalid value: 80: nope]"
    )
    boom = internal("failed to allocate a nodePort: range is full")
    assert boom.code == 500
    assert boom.details()["causes"][0]["message"] == "failed to allocate a nodePort: range is full"
