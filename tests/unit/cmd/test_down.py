"""`down` stops the process holding the up lock, by SIGTERM and SIGKILL when it must."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tinykube.cmd import down as down_module
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.down import alive, down
from tinykube.cmd.running import running_pid
from tinykube.errors import ConfigError

# A stand-in for `up`: takes the lock, writes its pid, and either exits on SIGTERM or not.
_HOLDER = """
import signal, sys, time
from pathlib import Path
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.running import ClusterLock
if sys.argv[2] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
ClusterLock(DataDir(Path(sys.argv[1]))).acquire()
print("ready", flush=True)
time.sleep(60)
"""


def _start_holder(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path), mode], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    return proc


def test_down_sends_sigterm_and_waits(tmp_path: Path) -> None:
    proc = _start_holder(tmp_path, "polite")
    try:
        out = io.StringIO()
        assert down(DataDir(tmp_path), out) == 0
        assert proc.wait(5) == -15
        assert f"stopped (pid {proc.pid})" in out.getvalue()
        assert running_pid(DataDir(tmp_path)) is None
    finally:
        proc.kill()
        proc.wait()


def test_down_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    proc = _start_holder(tmp_path, "stubborn")
    try:
        out = io.StringIO()
        # the holder is our child: reap it in the background so it does not linger as a zombie
        assert down(DataDir(tmp_path), out, timeout=0.5) == 0
        assert proc.wait(5) == -9
        assert "killing it" in out.getvalue()
    finally:
        proc.kill()
        proc.wait()


def test_alive() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not alive(proc.pid)
    assert alive(1)


def test_a_cluster_of_another_user_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pid: int, sig: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(down_module.os, "kill", refuse)
    with pytest.raises(ConfigError, match=r"runs as another user.*sudo tinykube down"):
        down_module._signal(4242, down_module.signal.SIGTERM)
