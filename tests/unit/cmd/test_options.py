"""The settings of one up, and the flags that start the same cluster in the background."""

from __future__ import annotations

from pathlib import Path

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.options import UpOptions


def test_detached_child_gets_the_same_flags(tmp_path: Path) -> None:
    opts = UpOptions(DataDir(tmp_path), "0.0.0.0", 7443, "memory", verbose=2)
    assert opts.argv() == ["up", "--data-dir", str(tmp_path), "--address", "0.0.0.0",
                           "--port", "7443", "--store", "memory", "-vv"]


def test_server_is_reachable_by_loopback_when_listening_everywhere(tmp_path: Path) -> None:
    assert UpOptions(DataDir(tmp_path), "0.0.0.0", 7443).server == "https://127.0.0.1:7443"
    assert UpOptions(DataDir(tmp_path)).server == "https://127.0.0.1:6443"
