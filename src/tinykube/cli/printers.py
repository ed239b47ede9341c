"""Every way the CLI shows objects, in one place: table, wide, yaml, json, name, jsonpath.

Tables come from the API server (``as=Table``, kube-apiserver's columns and cells), exactly
as kubectl 1.32 gets them; this module only lays them out the way kubectl's
``HumanReadablePrinter`` does: uppercase headers, priority-1 columns only for ``-o wide``,
NAMESPACE first for ``-A``, LABELS last for ``--show-labels``, ``kind/`` before names when
several kinds are asked for, cells cut at the first line break (``...``), and Go's
tabwriter with min width 6 and padding 3. A ``TablePrinter`` remembers the columns and
widths it printed, so watch events continue the table instead of starting new ones.

Objects are printed the kubectl way too: managed fields hidden, several objects wrapped in
a ``kind: List``, JSON indented by four spaces, YAML as go-yaml writes it, ``-o name`` as
``deployment.apps/web``, ``-o jsonpath=`` through ``jsonpath``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import encoding, jsonpath
from tinykube.cli.tabwriter import TabWriter, table_writer
from tinykube.errors import ConfigError

_ALLOWED = "json, jsonpath, jsonpath-as-json, name, wide, yaml"


@dataclass(frozen=True)
class Output:
    """What ``-o`` asked for: ``table`` (no ``-o``), ``wide``, ``yaml``, ``json``, ``name``
    or ``jsonpath`` with its template."""

    format: str = "table"
    template: str = ""

    @property
    def is_table(self) -> bool:
        return self.format in ("table", "wide")


def parse_output(flag: str | None) -> Output:
    """``-o`` as kubectl reads it (``jsonpath={.x}``, ``jsonpath='{.x}'``)."""
    if not flag:
        return Output()
    name, sep, template = flag.partition("=")
    if name in ("jsonpath", "jsonpath-as-json") and sep:
        return Output("jsonpath", _strip_quotes(template))
    if name in ("wide", "yaml", "json", "name"):
        return Output(name)
    raise ConfigError(
        f'unable to match a printer suitable for the output format "{flag}", '
        f"allowed formats are: {_ALLOWED}"
    )


def _strip_quotes(template: str) -> str:
    if len(template) >= 2 and template[0] == template[-1] and template[0] in "'\"":
        return template[1:-1]
    return template


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableOptions:
    wide: bool = False
    with_namespace: bool = False
    show_labels: bool = False
    kind_prefix: str = ""  # "deployment.apps" when several kinds were asked for
    no_headers: bool = False


class TablePrinter:
    """kubectl's ``HumanReadablePrinter`` over server-side Tables, one kind at a time."""

    def __init__(self, options: TableOptions, writer: TabWriter | None = None) -> None:
        self.options = options
        self._writer = writer or table_writer()
        self._columns: list[Obj] = []
        self._printed_headers = False

    def print(self, table: Obj) -> str:
        """The rows of ``table`` (and the header when it is new), aligned."""
        self.add(table)
        return self.flush()

    def add(self, table: Obj) -> None:
        """Buffer ``table``'s rows: tables added before one ``flush`` align together (several
        objects of a kind asked for by name print as one table)."""
        columns = table.get("columnDefinitions") or []
        no_headers = self.options.no_headers or (
            self._printed_headers and (not columns or columns == self._columns))
        if not columns:
            columns = self._columns
        elif columns != self._columns:
            self._columns, self._printed_headers = list(columns), False
        rows = table.get("rows") or []
        if rows:
            self._printed_headers = True
        self._writer.write(self._render(columns, rows, no_headers))

    def flush(self) -> str:
        return self._writer.flush()

    def _render(self, columns: list[Obj], rows: list[Obj], no_headers: bool) -> str:
        opts = self.options
        shown = [i for i, c in enumerate(columns) if opts.wide or not c.get("priority")]
        name_col = _name_column(columns) if opts.kind_prefix else -1
        lines: list[str] = []
        if not no_headers:
            if not rows:
                return ""
            headers = [str(columns[i].get("name") or "").upper() for i in shown]
            lines.append("\t".join(_decorate(opts, headers, "NAMESPACE", "LABELS")))
        for row in rows:
            cells = row.get("cells") or []
            texts = [_cell_text(cells[i] if i < len(cells) else None) for i in shown]
            if name_col in shown:
                at = shown.index(name_col)
                texts[at] = f"{opts.kind_prefix}/{texts[at]}"
            md = (row.get("object") or {}).get("metadata") or {}
            namespace = str(md.get("namespace") or "")
            lines.append("\t".join(_decorate(opts, texts, namespace,
                                             labels_text(md.get("labels")))))
        return "".join(line + "\n" for line in lines)


def _decorate(opts: TableOptions, cells: list[str], namespace: str, labels: str) -> list[str]:
    out = [namespace, *cells] if opts.with_namespace else list(cells)
    if opts.show_labels:
        out.append(labels)
    return out


def _name_column(columns: list[Obj]) -> int:
    for i, c in enumerate(columns):
        if c.get("format") == "name" and c.get("type") == "string":
            return i
    return -1


def _cell_text(cell: Any) -> str:
    """A cell as Go's ``fmt.Sprint`` shows it, cut at the first line break."""
    if cell is None:
        return ""
    text = go_value(cell)
    for i, ch in enumerate(text):
        if ch in "\f\n\r":
            return text[:i] + "..."
    return text.replace("\t", " ")


def go_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, dict | list):
        return encoding.go_json(value)
    return str(value)


def labels_text(labels: Mapping[str, str] | None) -> str:
    """apimachinery's ``labels.FormatLabels``: ``a=1,b=2`` sorted, or ``<none>``."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def kind_prefix(kind: Kind) -> str:
    """``service``, ``deployment.apps``: how kubectl names a kind before a ``/``."""
    return f"{kind.kind.lower()}.{kind.group}" if kind.group else kind.kind.lower()


# --------------------------------------------------------------------------- objects


def resource_name(kind: Kind, obj: Obj) -> str:
    """``-o name``: ``service/my-nginx``, ``deployment.apps/web``."""
    return f"{kind_prefix(kind)}/{(obj.get('metadata') or {}).get('name', '')}"


def as_list(objs: Iterable[Obj]) -> Obj:
    """Several objects as kubectl prints them: a ``List`` with an empty resourceVersion."""
    return {"apiVersion": "v1", "items": list(objs), "kind": "List",
            "metadata": {"resourceVersion": ""}}


def without_managed_fields(obj: Obj) -> Obj:
    """A copy without ``metadata.managedFields`` (kubectl hides them by default)."""
    out = copy.deepcopy(obj)
    for item in [out, *(out.get("items") or [])]:
        md = item.get("metadata") if isinstance(item, dict) else None
        if isinstance(md, dict):
            md.pop("managedFields", None)
    return out


def render(output: Output, data: Obj) -> str:
    """``data`` (one object or a ``List``) as yaml, json or jsonpath."""
    shown = without_managed_fields(data)
    if output.format == "yaml":
        return encoding.go_yaml(shown)
    if output.format == "json":
        return encoding.go_json(shown, indent=4) + "\n"
    if output.format == "jsonpath":
        return jsonpath.render(output.template, shown)
    raise ConfigError(f"output format {output.format!r} does not print whole objects")


def render_objects(output: Output, items: list[tuple[Kind, Obj]], *, single: bool) -> str:
    """Objects fetched by name or listed: ``-o name`` one per line, else one document
    (the object itself when ``single``, else a ``List``)."""
    if output.format == "name":
        return "".join(resource_name(k, o) + "\n" for k, o in items)
    if single and len(items) == 1:
        return render(output, items[0][1])
    return render(output, as_list(o for _, o in items))
