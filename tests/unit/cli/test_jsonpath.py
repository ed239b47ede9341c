from __future__ import annotations

from typing import Any

import pytest

from tinykube.cli import jsonpath
from tinykube.errors import ConfigError

DATA: dict[str, Any] = {
    "kind": "List",
    "items": [
        {"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "x"}},
         "spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80, "nodePort": 30080}]},
         "status": {"addresses": [{"type": "InternalIP", "address": "1.2.3.4"},
                                  {"type": "Hostname", "address": "n1"}]}},
        {"metadata": {"name": "b"}, "spec": {"clusterIP": "None", "ports": []}},
    ],
}


@pytest.mark.parametrize(("template", "out"), [
    ("{.kind}", "List"),
    ("{.items[*].metadata.name}", "a b"),
    ("{.items[0].spec.clusterIP}", "10.96.0.5"),
    ("{.items[-1].metadata.name}", "b"),
    ("{.items[0:1].metadata.name}", "a"),
    ("{.items[0].spec.ports[0].nodePort}", "30080"),
    ("{.items[0].spec.ports}", '[{"nodePort":30080,"port":80}]'),
    ('{.items[0].status.addresses[?(@.type=="InternalIP")].address}', "1.2.3.4"),
    ('{.items[?(@.spec.clusterIP!="None")].metadata.name}', "a"),
    ("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", "x"),
    ("{.items[0].metadata.labels['app.kubernetes.io/name']}", "x"),
    ("{..address}", "1.2.3.4 n1"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.spec.clusterIP}{"\\n"}{end}',
     "a\t10.96.0.5\nb\tNone\n"),
    ("name: {.items[1].metadata.name}!", "name: b!"),
    ("{.nothing.here}", ""),
    ("{.items[5].metadata}", ""),
    ("{.items[0,1].metadata.name}", "a b"),
])
def test_templates(template: str, out: str) -> None:
    assert jsonpath.render(template, DATA) == out


def test_values_print_like_kubectl() -> None:
    assert jsonpath.text(None) == "null"
    assert jsonpath.text(True) == "true"
    assert jsonpath.text(3.0) == "3"
    assert jsonpath.text({"b": "<", "a": 1}) == '{"a":1,"b":"\\u003c"}'


@pytest.mark.parametrize("template", ["{.a", "{range .items[*]}{.x}", "{end}", "{.items[x]}"])
def test_bad_templates_are_config_errors(template: str) -> None:
    with pytest.raises(ConfigError, match="error parsing jsonpath"):
        jsonpath.render(template, DATA)
