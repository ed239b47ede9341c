from __future__ import annotations

import pytest

from tinykube.api import kinds
from tinykube.cli import resources
from tinykube.cli.resources import Request
from tinykube.errors import ConfigError


def test_type_and_names() -> None:
    parsed = resources.parse(["svc", "a", "b"], "get")
    assert parsed.requests == (Request(kinds.SERVICE, "a"), Request(kinds.SERVICE, "b"))
    assert parsed.by_name


def test_several_types_and_all() -> None:
    parsed = resources.parse(["deploy,svc"], "get")
    assert [r.kind for r in parsed.requests] == [kinds.DEPLOYMENT, kinds.SERVICE]
    assert not parsed.by_name
    everything = resources.parse(["all"], "get")
    assert [r.kind.plural for r in everything.requests] == \
        ["pods", "services", "deployments", "replicasets", "statefulsets"]


def test_type_slash_name() -> None:
    parsed = resources.parse(["svc/a", "deployment.apps/b"], "get")
    assert parsed.requests == (Request(kinds.SERVICE, "a"), Request(kinds.DEPLOYMENT, "b"))


@pytest.mark.parametrize(("args", "message"), [
    ([], "You must specify the type of resource to get"),
    (["bogus"], 'the server doesn\'t have a resource type "bogus"'),
    (["svc", "svc/a"], "there is no need to specify a resource type"),
])
def test_mistakes(args: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resources.parse(args, "get")
