"""JSON and YAML, the two encodings objects travel in.

orjson for JSON (the hot path: every request, response and watch event), PyYAML with
the C loader when present for manifests and ``-o yaml``. Bad input raises
``BadRequest`` with the parser's own words, so the API can answer 400 and the CLI can
name the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import yaml

from tinykube.errors import BadRequest

try:  # pragma: no cover - depends on how PyYAML was built
    _Loader: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def dumps_pretty(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"invalid JSON: {e}") from e


def load_yaml(text: bytes | str) -> Any:
    """One YAML (or JSON) document."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        raise BadRequest(f"invalid YAML: {e}") from e


def load_yaml_all(text: bytes | str) -> Iterator[tuple[int, Any]]:
    """Every non-empty document, with the 1-based line it starts on."""
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                line = node.start_mark.line + 1
                doc = loader.construct_document(node)
                if doc is not None:
                    yield line, doc
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        raise BadRequest(f"invalid YAML: {e}") from e


def dump_yaml(value: Any) -> str:
    out: str = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=False, sort_keys=True, allow_unicode=True
    )
    return out
