"""The status command's streams and exit status, with no cluster and with a sick one."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tinykube.cmd.board import Board
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.main import build_parser, main
from tinykube.cmd.running import ClusterLock
from tinykube.cmd.status.command import status


def test_no_cluster_is_one_line_on_stderr_and_exit_1(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--data-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"tinykube: no tinykube is running on data dir {tmp_path}; start one "
                   f"with `tinykube up -d --data-dir {tmp_path}`\n")


def test_no_cluster_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--data-dir", str(tmp_path), "-o", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["running"] is False
    assert err.startswith("tinykube: no tinykube is running")


def test_the_default_data_dir_needs_no_flag_in_the_hint(tmp_path: Path) -> None:
    err = io.StringIO()
    assert status(DataDir(tmp_path), io.StringIO(), err) == 1
    assert "start one with `tinykube up -d`\n" in err.getvalue()


def test_a_sick_cluster_prints_its_lines_and_the_reasons(tmp_path: Path) -> None:
    d = DataDir(tmp_path)
    d.prepare()
    lock = ClusterLock(d)
    lock.acquire()
    try:
        board = Board(d.components, pid=os.getpid())
        board.declare("proxy", "nftables")
        board.restarting("proxy", "nft: syntax error")
        out, err = io.StringIO(), io.StringIO()
        assert status(d, out, err) == 1
    finally:
        lock.release()
    assert "✗ proxy" in out.getvalue()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tinykube: not healthy: proxy failed: nft: syntax error "
                               "(restarting); the API at ? does not answer: cannot read")


def test_status_is_a_command_and_wait_a_verb() -> None:
    parser = build_parser()
    assert parser.parse_args(["status", "-o", "json"]).output == "json"
    assert "|wait|" in (parser.epilog or "")
