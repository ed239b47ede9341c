"""JSON and YAML the way kubectl writes them, so ``-o json``/``-o yaml`` read the same.

kubectl encodes with Go: ``encoding/json`` sorts map keys and escapes ``<``, ``>`` and ``&``
(``\\u003c``...), ``-o json`` indents by four spaces; ``sigs.k8s.io/yaml`` (go-yaml v2)
sorts keys, does not indent lists under their key, double-quotes strings that would read
back as another type (``"80"``, ``"true"``, timestamps, ``""``) and writes multi-line
strings as literal blocks (``|``). PyYAML's pure emitter does the rest like libyaml, which
go-yaml ports. ``wire.codec`` stays the encoding of the wire; this is the encoding of a
terminal.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


def go_json(value: Any, indent: int | None = None) -> str:
    """JSON as Go's encoding/json writes it: sorted keys, ``<``, ``>`` and ``&`` escaped."""
    separators = (",", ":") if indent is None else (",", ": ")
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent,
                     separators=separators)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _GoYamlDumper(yaml.SafeDumper):
    """SafeDumper with go-yaml v2's choice of quotes and block style for strings."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    resolve: Any = dumper.resolve  # untyped in PyYAML's stubs
    resolved = resolve(yaml.ScalarNode, value, (True, False))
    if resolved != "tag:yaml.org,2002:str" or value == "":
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_GoYamlDumper.add_representer(str, _represent_str)


def go_yaml(value: Any) -> str:
    """YAML as ``kubectl -o yaml`` prints it."""
    out: str = yaml.dump(value, Dumper=_GoYamlDumper, default_flow_style=False,
                         sort_keys=True, allow_unicode=True, width=80)
    return out
