"""The data dir: where it is, what is in it, and a clear error when it cannot be used."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tinykube.cmd.datadir import ENV_VAR, DataDir, write_private
from tinykube.errors import ConfigError


def test_flag_wins_over_environment(tmp_path: Path) -> None:
    d = DataDir.resolve(str(tmp_path / "flag"), {ENV_VAR: str(tmp_path / "env")})
    assert d.root == tmp_path / "flag"


def test_environment_wins_over_default(tmp_path: Path) -> None:
    assert DataDir.resolve(None, {ENV_VAR: str(tmp_path / "env")}).root == tmp_path / "env"


def test_default_is_under_local_share(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert DataDir.resolve(None, {}).root == tmp_path / ".local" / "share" / "tinykube"


def test_relative_flag_becomes_absolute() -> None:
    assert DataDir.resolve("rel/dir", {}).root.is_absolute()


def test_prepare_creates_private_directory(tmp_path: Path) -> None:
    d = DataDir(tmp_path / "a" / "b")
    d.prepare()
    assert d.root.is_dir() and d.pki.is_dir()
    assert stat.S_IMODE(d.root.stat().st_mode) == 0o700


def test_prepare_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"cannot use data dir .*/file/dd: Not a directory"):
        DataDir(blocker / "dd").prepare()


def test_token_is_created_once_and_kept(tmp_path: Path) -> None:
    d = DataDir(tmp_path)
    d.prepare()
    first = d.token()
    assert len(first) >= 32
    assert DataDir(tmp_path).token() == first
    assert stat.S_IMODE(d.token_file.stat().st_mode) == 0o600


def test_write_private_replaces_content_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
