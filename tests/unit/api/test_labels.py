"""Label selector grammar, matching and canonical form (apimachinery's labels package)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tinykube.api import labels
from tinykube.errors import BadRequest


@pytest.mark.parametrize(
    ("text", "matching", "not_matching"),
    [
        ("run=my-nginx", {"run": "my-nginx"}, {"run": "other"}),
        ("run==my-nginx", {"run": "my-nginx", "x": "y"}, {}),
        ("run!=my-nginx", {}, {"run": "my-nginx"}),
        ("run!=my-nginx", {"run": "other"}, {"run": "my-nginx"}),
        ("env in (a,b)", {"env": "b"}, {"env": "c"}),
        ("env in (a,b)", {"env": "a"}, {}),
        ("env notin (a,b)", {}, {"env": "a"}),
        ("env notin (a,b)", {"env": "c"}, {"env": "b"}),
        ("tier", {"tier": ""}, {"other": "x"}),
        ("!tier", {"other": "x"}, {"tier": "web"}),
        ("a=", {"a": ""}, {"a": "x"}),
        ("a=", {"a": ""}, {}),
        ("n>5", {"n": "6"}, {"n": "5"}),
        ("n<5", {"n": "-1"}, {"n": "x"}),
        ("a in ()", {"a": ""}, {"a": "x"}),
    ],
)
def test_requirements_match_like_kubernetes(
    text: str, matching: dict[str, str], not_matching: dict[str, str]
) -> None:
    sel = labels.parse(text)
    assert sel.matches(matching)
    assert not sel.matches(not_matching)


def test_kubectl_set_based_selector_after_form_decoding() -> None:
    # kubectl sends labelSelector=run+in+%28my-nginx%2Cx%29%2C%21foo ('+' means space)
    decoded = parse_qs("labelSelector=run+in+%28my-nginx%2Cx%29%2C%21foo")["labelSelector"][0]
    assert decoded == "run in (my-nginx,x),!foo"
    sel = labels.parse(decoded)
    assert sel.matches({"run": "my-nginx"})
    assert sel.matches({"run": "x", "pod-template-hash": "abc"})
    assert not sel.matches({"run": "my-nginx", "foo": ""})
    assert not sel.matches({"run": "y"})
    assert not sel.matches({})


def test_whitespace_is_ignored_between_tokens() -> None:
    a = labels.parse("  run  in ( my-nginx , x ) ,  ! foo , a = b ")
    b = labels.parse("run in (my-nginx,x),!foo,a=b")
    assert a == b
    assert hash(a) == hash(b)


def test_canonical_string_sorts_keys_and_values() -> None:
    sel = labels.parse("z=1,b notin (y,x),a,!c,m==2,n!=3,g>4,h<5,e in (q,p,p)")
    assert str(sel) == "a,b notin (x,y),!c,e in (p,q),g>4,h<5,m=2,n!=3,z=1"
    assert labels.parse(str(sel)) == sel
    assert labels.parse("a!=2,a=1") == labels.parse("a=1,a!=2")


def test_empty_selector_matches_everything() -> None:
    sel = labels.parse("")
    assert sel.empty()
    assert sel.matches({}) and sel.matches({"a": "b"})
    assert str(sel) == ""
    assert labels.parse("   ").empty()


def test_selector_is_immutable_and_hashable() -> None:
    sel = labels.parse("a=b")
    with pytest.raises(AttributeError):
        sel.requirements = ()  # type: ignore[misc]
    assert {sel: 1}[labels.parse("a==b")] == 1
    assert labels.parse("a=b") != labels.parse("a=c")


def test_exact_reports_a_pinned_value() -> None:
    assert labels.parse("app=web,tier!=db").exact("app") == "web"
    assert labels.parse("app in (web)").exact("app") == "web"
    assert labels.parse("app in (web,api)").exact("app") is None
    assert labels.parse("tier!=db").exact("tier") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a=b,", "found '', expected: identifier after ','"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("x=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "a>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
    ],
)
def test_parse_errors_are_bad_requests_worded_like_kubernetes(text: str, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        labels.parse(text)
    assert err.value.message == message
    assert err.value.code == 400


def test_invalid_keys_and_values_are_rejected() -> None:
    with pytest.raises(BadRequest, match=r'key: Invalid value: "-x"'):
        labels.parse("-x=1")
    with pytest.raises(BadRequest, match=r'values\[0\]\[a\]: Invalid value: "-bad-"'):
        labels.parse("a=-bad-")
    with pytest.raises(BadRequest, match="must be no more than 63 characters"):
        labels.parse("a=" + "v" * 64)


def test_from_label_selector_nil_matches_nothing_and_empty_everything() -> None:
    nothing = labels.from_label_selector(None)
    assert not nothing.matches({}) and not nothing.matches({"a": "b"})
    assert not nothing.empty()
    everything = labels.from_label_selector({})
    assert everything.matches({}) and everything.empty()


def test_from_label_selector_combines_labels_and_expressions() -> None:
    sel = labels.from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(sel) == "app=web,env notin (prod),!legacy,team,tier in (be,fe)"
    assert sel.matches({"app": "web", "tier": "fe", "team": "a"})
    assert not sel.matches({"app": "web", "tier": "fe", "team": "a", "legacy": "1"})
    assert not sel.matches({"app": "web", "tier": "fe", "team": "a", "env": "prod"})
    assert not sel.matches({"app": "web", "tier": "fe"})


def test_from_label_selector_rejects_bad_operators_and_empty_sets() -> None:
    with pytest.raises(BadRequest, match='"Near" is not a valid label selector operator'):
        labels.from_label_selector({"matchExpressions": [{"key": "a", "operator": "Near"}]})
    with pytest.raises(BadRequest, match="values set can't be empty"):
        labels.from_label_selector({"matchExpressions": [{"key": "a", "operator": "In"}]})


def test_from_set_is_equality_on_every_key() -> None:
    sel = labels.from_set({"app": "web", "tier": "fe"})
    assert sel.matches({"app": "web", "tier": "fe", "x": "y"})
    assert not sel.matches({"app": "web"})
    assert str(sel) == "app=web,tier=fe"
    assert labels.from_set({}).empty()


def test_requirement_str_and_matches() -> None:
    req = labels.requirement("a", "in", ["y", "x"])
    assert str(req) == "a in (x,y)"
    assert req.matches({"a": "x"}) and not req.matches({})
