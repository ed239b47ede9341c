"""The Table envelope (``tables/__init__.py``) and the printer registry."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.apiserver import tables
from tinykube.apiserver.tables import registry
from tinykube.errors import BadRequest

NOW = datetime(2026, 11, 22, 8, 10, 0, tzinfo=UTC)

SEED = {
    "kind": "Service",
    "apiVersion": "v1",
    "metadata": {"name": "my-nginx", "namespace": "default", "labels": {"run": "my-nginx"},
                 "uid": "041704e1", "resourceVersion": "110",
                 "creationTimestamp": "2026-11-22T08:09:34Z"},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"],
             "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
             "selector": {"run": "my-nginx"}},
    "status": {"loadBalancer": {}},
}


def test_table_shape_matches_what_kubectl_accepts() -> None:
    out = tables.table(kinds.SERVICE, [SEED], resource_version="110", now=NOW)
    assert out["kind"] == "Table" and out["apiVersion"] == "meta.k8s.io/v1"
    assert out["metadata"] == {"resourceVersion": "110"}
    assert out["columnDefinitions"][0] == {
        "name": "Name", "type": "string", "format": "name",
        "description": out["columnDefinitions"][0]["description"], "priority": 0,
    }
    assert [c["name"] for c in out["columnDefinitions"]] == [
        "Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector",
    ]
    assert out["columnDefinitions"][-1]["priority"] == 1
    (row,) = out["rows"]
    assert row["cells"] == [
        "my-nginx", "ClusterIP", "10.96.0.11", "<none>", "80/TCP", "26s", "run=my-nginx",
    ]
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": SEED["metadata"]}
    assert "conditions" not in row


def test_include_object_variants() -> None:
    full = tables.table("Service", [SEED], resource_version="1", include_object="Object", now=NOW)
    assert full["rows"][0]["object"] is SEED
    bare = {k: v for k, v in SEED.items() if k not in ("kind", "apiVersion")}
    typed = tables.table(kinds.SERVICE, [bare], resource_version="1", include_object="Object",
                         now=NOW)["rows"][0]["object"]
    assert typed["kind"] == "Service" and typed["apiVersion"] == "v1"
    assert typed["spec"] is SEED["spec"] and "kind" not in bare
    by_name = tables.table("Deployment", [{"metadata": {"name": "d"}}], resource_version="1",
                           include_object="Object", now=NOW)["rows"][0]["object"]
    assert by_name["apiVersion"] == "apps/v1"
    none = tables.table("Service", [SEED], resource_version="1", include_object="None", now=NOW)
    assert "object" not in none["rows"][0]
    with pytest.raises(BadRequest, match="includeObject"):
        tables.table("Service", [SEED], resource_version="1", include_object="Everything")


def test_watch_event_tables_have_null_columns_and_empty_rv_is_left_out() -> None:
    out = tables.table(kinds.SERVICE, [SEED], resource_version="", with_columns=False, now=NOW)
    assert out["columnDefinitions"] is None
    assert out["metadata"] == {}


def test_partial_metadata_is_a_copy() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "a"}}
    pom = tables.partial_object_metadata(obj)
    pom["metadata"]["name"] = "b"
    assert obj["metadata"]["name"] == "a"


def test_empty_list_still_has_columns() -> None:
    out = tables.table(kinds.POD, [], resource_version="7", now=NOW)
    assert out["rows"] == [] and len(out["columnDefinitions"]) == 9


def test_finished_pod_rows_carry_completed_condition() -> None:
    done = {"metadata": {"name": "job"}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Succeeded"}}
    row = tables.table(kinds.POD, [done], resource_version="7", now=NOW)["rows"][0]
    assert row["conditions"][0]["type"] == "Completed"


def test_every_served_kind_has_a_printer_whose_cells_fit_its_columns() -> None:
    for kind in kinds.KINDS:
        printer = registry.printer_for(kind.kind)
        assert printer is not registry.fallback.PRINTER, kind.kind
        cells = printer.cells({"metadata": {"name": "x"}}, NOW)
        assert len(cells) == len(printer.columns), kind.kind
        assert cells[[c.format for c in printer.columns].index("name")] == "x"


def test_unknown_kind_gets_name_and_created_at() -> None:
    obj = {"metadata": {"name": "thing", "creationTimestamp": "2026-11-22T08:00:00Z"}}
    out = tables.table("Widget", [obj], resource_version="3", now=NOW)
    assert [(c["name"], c["type"]) for c in out["columnDefinitions"]] == [
        ("Name", "string"), ("Created At", "date"),
    ]
    assert out["rows"][0]["cells"] == ["thing", "2026-11-22T08:00:00Z"]


def test_now_defaults_to_the_clock() -> None:
    fresh = dict(SEED, metadata=dict(SEED["metadata"],
                                     creationTimestamp=datetime.now(UTC).strftime(
                                         "%Y-%m-%dT%H:%M:%SZ")))
    age = tables.table("Service", [fresh], resource_version="1")["rows"][0]["cells"][5]
    assert age.endswith("s") and int(age[:-1]) < 120
