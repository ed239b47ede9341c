from __future__ import annotations

import io
from pathlib import Path

import pytest

from tinykube.api import kinds
from tinykube.cli import manifests
from tinykube.errors import ConfigError

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"
DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"


def test_documents_keep_their_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "app.yaml"
    f.write_text(f"# comment\n{DEPLOY}---\n{SVC}")
    items = manifests.load([str(f)], None)
    assert [(m.kind, m.name, m.line) for m in items] == \
        [(kinds.DEPLOYMENT, "web", 2), (kinds.SERVICE, "web", 7)]
    assert items[1].where == f"{f}:7"


def test_directories_give_their_manifests_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(SVC)
    (tmp_path / "a.json").write_text('{"apiVersion": "apps/v1", "kind": "Deployment", '
                                     '"metadata": {"name": "d"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yml").write_text(SVC.replace("web", "c"))
    assert [m.name for m in manifests.load([str(tmp_path)], None)] == ["d", "web"]
    assert [m.name for m in manifests.load([str(tmp_path)], None, recursive=True)] == \
        ["d", "web", "c"]


def test_stdin_and_lists() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n"
            "  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n")
    items = manifests.load(["-"], io.StringIO(text))
    assert [(m.source, m.name) for m in items] == [("STDIN", "a"), ("STDIN", "b")]


def test_yaml_errors_name_the_file_and_the_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   oops: here\n")
    with pytest.raises(ConfigError,
                       match=r"error parsing .*bad\.yaml: line 5, column 8: mapping values"):
        manifests.load([str(f)], None)


def test_missing_fields_and_unknown_kinds_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("metadata:\n  name: x\n")
    with pytest.raises(ConfigError, match=r"apiVersion not set, kind not set"):
        manifests.load([str(f)], None)
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    with pytest.raises(ConfigError, match=r'no matches for kind "ConfigMap" in version "v1"'):
        manifests.load([str(f)], None)
    with pytest.raises(ConfigError, match="does not exist"):
        manifests.load([str(tmp_path / "nope.yaml")], None)


def test_a_document_must_be_a_mapping(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="line 1: a manifest must be a mapping"):
        manifests.load([str(f)], None)
