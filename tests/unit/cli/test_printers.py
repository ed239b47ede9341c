from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.cli import printers
from tinykube.cli.printers import Output, TableOptions, TablePrinter
from tinykube.errors import ConfigError

TABLES = ["table-deploy-wide", "table-ep", "table-events", "table-ns", "table-pods-wide-labels",
          "table-slices", "table-sts", "table-svc-labels", "table-svc-one", "table-svc-wide-all"]


@pytest.mark.parametrize("name", TABLES)
def test_tables_print_as_kubectl_printed_them(golden: Callable[[str], dict[str, Any]],
                                              name: str) -> None:
    case = golden(name)
    printer = TablePrinter(TableOptions(**case["options"]))
    assert printer.print(case["table"]) == case["expected"]


def _table(rows: list[list[Any]], labels: dict[str, str] | None = None) -> dict[str, Any]:
    columns = [{"name": "Name", "type": "string", "format": "name", "priority": 0},
               {"name": "Ready", "type": "string", "format": "", "priority": 0},
               {"name": "Node", "type": "string", "format": "", "priority": 1}]
    return {"columnDefinitions": columns, "rows": [
        {"cells": r, "object": {"metadata": {"name": r[0], "namespace": "ns",
                                             "labels": labels or {}}}} for r in rows]}


def test_min_width_six_padding_three_and_hidden_priority_columns() -> None:
    out = TablePrinter(TableOptions()).print(_table([["a", "1/1", "n1"]]))
    assert out == "NAME   READY\na      1/1\n"


def test_wide_shows_priority_columns() -> None:
    out = TablePrinter(TableOptions(wide=True)).print(_table([["a", "1/1", "n1"]]))
    assert out == "NAME   READY   NODE\na      1/1     n1\n"


def test_namespace_first_labels_last_and_kind_prefix() -> None:
    opts = TableOptions(with_namespace=True, show_labels=True, kind_prefix="pod")
    out = TablePrinter(opts).print(_table([["a", "1/1", "x"]], {"b": "2", "a": "1"}))
    assert out.splitlines() == ["NAMESPACE   NAME    READY   LABELS",
                                "ns          pod/a   1/1     a=1,b=2"]


def test_no_rows_prints_nothing_not_even_a_header() -> None:
    assert TablePrinter(TableOptions()).print(_table([])) == ""


def test_cells_are_cut_at_line_breaks_and_none_is_empty() -> None:
    out = TablePrinter(TableOptions()).print(_table([["a", "two\nlines", None]]))
    assert out.splitlines()[1] == "a      two..."


def test_non_string_cells_print_like_go() -> None:
    out = TablePrinter(TableOptions()).print(_table([["a", 3, None], ["b", True, None]]))
    assert out.splitlines()[1:] == ["a      3", "b      true"]


def test_watch_rows_keep_widths_and_skip_repeated_headers() -> None:
    printer = TablePrinter(TableOptions())
    first = printer.print(_table([["a-long-name", "1/1", ""]]))
    event = _table([["b", "0/1", ""]])
    event["columnDefinitions"] = None
    second = printer.print(event)
    assert first.splitlines()[0] == "NAME          READY"
    assert second == "b             0/1\n"


def test_a_watch_on_an_empty_list_prints_the_header_with_the_first_event() -> None:
    printer = TablePrinter(TableOptions())
    assert printer.print(_table([])) == ""
    assert printer.print(_table([["a", "1/1", ""]])).startswith("NAME   READY\n")


def test_labels_text_sorted_or_none() -> None:
    assert printers.labels_text({"run": "x", "app": "y"}) == "app=y,run=x"
    assert printers.labels_text({}) == "<none>"
    assert printers.labels_text(None) == "<none>"


def test_kind_prefix_and_resource_name() -> None:
    assert printers.kind_prefix(kinds.SERVICE) == "service"
    assert printers.kind_prefix(kinds.DEPLOYMENT) == "deployment.apps"
    obj = {"metadata": {"name": "web"}}
    assert printers.resource_name(kinds.ENDPOINT_SLICE, obj) == \
        "endpointslice.discovery.k8s.io/web"


@pytest.mark.parametrize(("flag", "expected"), [
    (None, Output()), ("wide", Output("wide")), ("yaml", Output("yaml")),
    ("jsonpath={.a}", Output("jsonpath", "{.a}")),
    ("jsonpath='{.a}'", Output("jsonpath", "{.a}")),
])
def test_parse_output(flag: str | None, expected: Output) -> None:
    assert printers.parse_output(flag) == expected


def test_parse_output_refuses_unknown_formats_like_kubectl() -> None:
    with pytest.raises(ConfigError, match='unable to match a printer suitable for the output '
                                          'format "xml"'):
        printers.parse_output("xml")


SVC: dict[str, Any] = {"apiVersion": "v1", "kind": "Service",
       "metadata": {"name": "s", "managedFields": [{"manager": "x"}], "resourceVersion": "5"},
       "spec": {"ports": [{"port": 80}]}}


def test_yaml_hides_managed_fields_and_quotes_like_go() -> None:
    out = printers.render(Output("yaml"), SVC)
    assert "managedFields" not in out
    assert 'resourceVersion: "5"' in out
    assert "ports:\n  - port: 80\n" in out


def test_json_is_indented_by_four_with_sorted_keys() -> None:
    out = printers.render(Output("json"), {"b": 1, "a": {"c": "<x>"}})
    assert out == '{\n    "a": {\n        "c": "\\u003cx\\u003e"\n    },\n    "b": 1\n}\n'


def test_several_objects_are_a_list_with_an_empty_resource_version() -> None:
    out = printers.render_objects(Output("yaml"), [(kinds.SERVICE, SVC)], single=False)
    assert out.startswith("apiVersion: v1\nitems:\n- apiVersion: v1\n")
    assert out.endswith('kind: List\nmetadata:\n  resourceVersion: ""\n')


def test_one_object_asked_by_name_prints_alone() -> None:
    out = printers.render_objects(Output("json"), [(kinds.SERVICE, SVC)], single=True)
    assert out.startswith('{\n    "apiVersion": "v1",\n    "kind": "Service"')


def test_name_output_is_one_line_per_object() -> None:
    deploy: dict[str, Any] = {"metadata": {"name": "d"}}
    items = [(kinds.SERVICE, SVC), (kinds.DEPLOYMENT, deploy)]
    assert printers.render_objects(Output("name"), items, single=False) == \
        "service/s\ndeployment.apps/d\n"


def test_jsonpath_runs_on_the_list() -> None:
    out = printers.render_objects(Output("jsonpath", "{.items[*].metadata.name}"),
                                  [(kinds.SERVICE, SVC), (kinds.SERVICE, SVC)], single=False)
    assert out == "s s"
