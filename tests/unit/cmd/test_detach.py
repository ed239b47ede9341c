"""up -d: what the parent echoes from the background log, and what it shows when start fails."""

from __future__ import annotations

import io
from pathlib import Path

from tinykube.cmd.detach import _died, _LogFollower
from tinykube.cmd.progress import step_line


def test_follower_echoes_progress_lines_only_and_notices_ready(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"old run\n")
    out = io.StringIO()
    follower = _LogFollower(log, log.stat().st_size, out)
    line = step_line("store (sqlite)", 3).encode()
    with open(log, "ab") as f:
        f.write(b"tinykube \xc2\xb7 data dir /x\n" + line[:1])  # split inside the UTF-8 of the mark
        f.flush()
        follower.echo()
        assert out.getvalue() == ""
        f.write(line[1:] + b"\n2026 WARNING something logged\n! not root: pods are off\n")
        f.flush()
        follower.echo()
        assert out.getvalue() == line.decode() + "\n! not root: pods are off\n"
        assert not follower.saw_ready
        f.write(step_line("ready", 40).encode() + b"\n")
    follower.echo()
    assert follower.saw_ready


def test_died_shows_the_end_of_this_run_only(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("earlier run: fine\n")
    offset = log.stat().st_size
    with open(log, "a") as f:
        f.write("✗ store (sqlite)  8 ms\ntinykube: sqlite: unable to open database file\n")
    text = _died(log, offset, 1)
    assert text.startswith("the cluster exited with code 1 while starting; last lines of ")
    assert "unable to open database file" in text
    assert "earlier run" not in text
    assert "signal 9" in _died(log, offset, -9)
