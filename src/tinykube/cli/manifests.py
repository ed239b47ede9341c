"""Reading ``-f FILE|DIR|-``: every object of every YAML or JSON document, with its origin.

A manifest may hold several documents (``---``) and ``kind: List`` documents; a directory
contributes its ``.yaml``, ``.yml`` and ``.json`` files in name order (``-R`` descends).
Each object keeps its file and the line its document starts on, so errors can name them;
a YAML mistake names the file and the exact line from the parser's mark
(``svc.yaml:7: mapping values are not allowed here``). An object without ``apiVersion`` or
``kind``, or of a kind tinykube does not serve, is refused before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, ConfigError, NotFound
from tinykube.wire import codec

STDIN = "STDIN"
EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Manifest:
    """One object to send, and where it came from."""

    source: str  # the path as given, or STDIN
    line: int
    obj: Obj
    kind: Kind

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name") or "")


def load(paths: list[str], stdin: TextIO | None, *, recursive: bool = False) -> list[Manifest]:
    """Every object in ``paths`` (``-`` is standard input), in order."""
    if not paths:
        raise ConfigError("must specify one of -f and -k")
    out: list[Manifest] = []
    for path in paths:
        for source, text in _read(path, stdin, recursive):
            out.extend(parse(text, source))
    return out


def _read(path: str, stdin: TextIO | None, recursive: bool) -> list[tuple[str, str]]:
    if path == "-":
        return [(STDIN, stdin.read() if stdin is not None else "")]
    p = Path(path)
    if p.is_dir():
        pattern = "**/*" if recursive else "*"
        files = sorted(f for f in p.glob(pattern) if f.is_file() and f.suffix in EXTENSIONS)
        return [(str(f), _text(f)) for f in files]
    if not p.exists():
        raise ConfigError(f'the path "{path}" does not exist')
    return [(path, _text(p))]


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from e


def parse(text: str, source: str) -> list[Manifest]:
    """The objects of one file's text."""
    try:
        documents = list(codec.load_yaml_all(text))
    except BadRequest as e:
        raise yaml_error(e, source) from None
    out: list[Manifest] = []
    for line, doc in documents:
        for obj in _expand(doc, source, line):
            out.append(Manifest(source, line, obj, _kind(obj, source, line)))
    return out


def yaml_error(err: BadRequest, source: str) -> ConfigError:
    """``svc.yaml:7: <what the parser says>``, from the YAML error's mark."""
    cause = err.__cause__
    mark = getattr(cause, "problem_mark", None) or getattr(cause, "context_mark", None)
    if isinstance(cause, yaml.MarkedYAMLError) and mark is not None:
        problem = cause.problem or cause.context or "invalid YAML"
        context = f" ({cause.context})" if cause.context and cause.problem else ""
        return ConfigError(f"error parsing {source}: line {mark.line + 1}, column "
                           f"{mark.column + 1}: {problem}{context}",
                           where="")
    return ConfigError(f"error parsing {source}: {err}")


def _expand(doc: Any, source: str, line: int) -> list[Obj]:
    if not isinstance(doc, dict):
        raise ConfigError(f"error parsing {source}: line {line}: a manifest must be a "
                          f"mapping with apiVersion and kind, not {type(doc).__name__}")
    if doc.get("kind") == "List" or (str(doc.get("kind", "")).endswith("List")
                                      and isinstance(doc.get("items"), list)):
        return [item for item in doc.get("items") or [] if isinstance(item, dict)]
    return [doc]


def _kind(obj: Obj, source: str, line: int) -> Kind:
    missing = [f for f in ("apiVersion", "kind") if not obj.get(f)]
    if missing:
        what = ", ".join(f"{f} not set" for f in missing)
        raise ConfigError(f'error validating "{source}" (line {line}): error validating '
                          f"data: [{what}]")
    try:
        return kinds.of(obj)
    except NotFound as e:
        name = (obj.get("metadata") or {}).get("name", "")
        raise ConfigError(f'resource mapping not found for name: "{name}" from "{source}" '
                          f"(line {line}): {e.message}") from None
