from __future__ import annotations

import pytest

from tinykube.api.kinds import SERVICE
from tinykube.apiserver import options
from tinykube.errors import BadRequest


def test_list_options() -> None:
    o = options.list_options(SERVICE, {
        "watch": "true", "resourceVersion": "12", "allowWatchBookmarks": "1",
        "timeoutSeconds": "30", "fieldSelector": "metadata.name=web", "includeObject": "Object",
    })
    assert o.watch and o.bookmarks and o.timeout == 30.0
    assert o.resource_version == "12" and o.include_object == "Object"
    assert o.selection.name == "web"
    assert not options.list_options(SERVICE, {}).watch


def test_name_term_only_for_equality() -> None:
    assert options.selection(SERVICE, "", "metadata.name==a").name == "a"
    assert options.selection(SERVICE, "", "metadata.name!=a").name is None
    assert options.selection(SERVICE, "", "metadata.namespace=a").name is None


def test_selection_matches_the_name() -> None:
    sel = options.selection(SERVICE, "", "metadata.name=a")
    assert sel.matches({"metadata": {"name": "a"}})
    assert not sel.matches({"metadata": {"name": "ab"}})


def test_write_options() -> None:
    o = options.write_options({"dryRun": "All", "fieldManager": "kubectl", "force": "true",
                                "fieldValidation": "Strict"})
    assert o.dry_run and o.force and o.field_manager == "kubectl"
    assert o.field_validation == "Strict"
    assert options.write_options({}).field_validation == "Warn"


@pytest.mark.parametrize("query", [
    {"dryRun": "Some"}, {"fieldValidation": "strict"}, {"force": "maybe"},
    {"fieldManager": "x" * 129},
])
def test_bad_write_options(query: dict[str, str]) -> None:
    with pytest.raises(BadRequest):
        options.write_options(query)


def test_delete_options_from_body_and_query() -> None:
    o = options.delete_options({}, {"propagationPolicy": "Foreground", "dryRun": ["All"],
                                    "gracePeriodSeconds": 0,
                                    "preconditions": {"uid": "u", "resourceVersion": "3"}})
    assert o.propagation == "Foreground" and o.dry_run and o.grace_period == 0
    assert o.uid == "u" and o.resource_version == "3"
    q = options.delete_options({"propagationPolicy": "Orphan", "gracePeriodSeconds": "5",
                                "dryRun": "All"}, {})
    assert q.propagation == "Orphan" and q.grace_period == 5 and q.dry_run
    assert options.delete_options({}, {"orphanDependents": True}).propagation == "Orphan"
    assert options.delete_options({}, {}).propagation is None


@pytest.mark.parametrize(("query", "body"), [
    ({}, {"propagationPolicy": "Sideways"}),
    ({"gracePeriodSeconds": "soon"}, {}),
    ({}, {"gracePeriodSeconds": "1"}),
    ({}, {"dryRun": ["Everything"]}),
])
def test_bad_delete_options(query: dict[str, str], body: dict[str, object]) -> None:
    with pytest.raises(BadRequest):
        options.delete_options(query, body)
