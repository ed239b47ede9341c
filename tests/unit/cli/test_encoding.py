from __future__ import annotations

from tinykube.cli import encoding


def test_yaml_quotes_like_go_yaml() -> None:
    out = encoding.go_yaml({"port": "80", "flag": "true", "empty": "", "time":
                            "2024-01-01T00:00:00Z", "plain": "nginx", "none": "<none>"})
    assert out.splitlines() == ['empty: ""', 'flag: "true"', "none: <none>", "plain: nginx",
                                'port: "80"', 'time: "2024-01-01T00:00:00Z"']


def test_yaml_lists_are_not_indented_under_their_key() -> None:
    assert encoding.go_yaml({"ports": [{"port": 80}]}) == "ports:\n- port: 80\n"


def test_yaml_multiline_strings_are_literal_blocks() -> None:
    out = encoding.go_yaml({"a": '{"x":1}\n'})
    assert out == 'a: |\n  {"x":1}\n'


def test_json_is_go_json() -> None:
    assert encoding.go_json({"b": [1], "a": "&"}) == '{"a":"\\u0026","b":[1]}'
    assert encoding.go_json({"a": {}}, indent=4) == '{\n    "a": {}\n}'
