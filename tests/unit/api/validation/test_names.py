"""Format checks: apimachinery's validation messages, byte for byte."""

from __future__ import annotations

import pytest

from tinykube.api.validation import names


def test_dns1035_label() -> None:
    assert names.is_dns1035_label("my-name") == []
    assert names.is_dns1035_label("1abc") == [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
        "with an alphabetic character, and end with an alphanumeric character (e.g. "
        "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_dns1123_label_and_subdomain() -> None:
    assert names.is_dns1123_label("123-abc") == []
    assert names.is_dns1123_label("a.b") == ["must not contain dots"]
    assert names.is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]
    assert names.is_dns1123_subdomain("a.b-c.d") == []
    assert names.is_dns1123_subdomain("a..b")[0].startswith("a lowercase RFC 1123 subdomain")
    assert names.is_dns1123_subdomain("a\n") != []  # Go's $ does not match before a newline


def test_qualified_names() -> None:
    assert names.is_qualified_name("app.kubernetes.io/name") == []
    assert names.is_qualified_name("MyName") == []
    assert names.is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]
    assert names.is_qualified_name("/a") == ["prefix part must be non-empty"]


@pytest.mark.parametrize(
    ("port", "errors"),
    [
        ("http", []),
        ("h2c", []),
        ("a" * 16, ["must be no more than 15 characters"]),
        ("-a", ["must not begin or end with a hyphen"]),
        ("123", ["must contain at least one letter (a-z)"]),
    ],
)
def test_port_names(port: str, errors: list[str]) -> None:
    assert names.is_valid_port_name(port) == errors


def test_object_name_checks_allow_a_trailing_dash_for_generate_name() -> None:
    assert names.name_is_dns_subdomain("web-", True) == []
    assert names.name_is_dns_subdomain("web-", False) != []
    assert names.name_is_dns1035_label("web-", True) == []
    assert names.name_is_dns_label("-", True) != []
    assert names.name_is_path_segment("..", False) == ["may not be '..'"]
    assert names.name_is_path_segment("a%b", False) == ["may not contain '%'"]


def test_percent_and_env_names() -> None:
    assert names.is_valid_percent("25%") == []
    assert names.is_valid_percent("25") != []
    assert names.is_env_var_name("PATH") == []
    assert names.is_env_var_name("a b") == []  # printable ASCII is allowed
    assert names.is_env_var_name("é") != []
