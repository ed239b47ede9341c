"""The up lock: one cluster per data dir, and a free lock means nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.running import ClusterLock, running_pid
from tinykube.errors import ConfigError


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    d = DataDir(tmp_path)
    d.prepare()
    return d


def test_nothing_runs_on_a_fresh_dir(data_dir: DataDir) -> None:
    assert running_pid(data_dir) is None


def test_held_lock_names_our_pid_and_release_clears_it(data_dir: DataDir) -> None:
    lock = ClusterLock(data_dir)
    lock.acquire()
    try:
        # flock is per open file description, so a second open in this process conflicts too
        assert running_pid(data_dir) == os.getpid()
        with pytest.raises(ConfigError, match=rf"already running .*\(pid {os.getpid()}\)"):
            ClusterLock(data_dir).acquire()
    finally:
        lock.release()
    assert running_pid(data_dir) is None
    assert not data_dir.pid_file.exists()


def test_stale_pid_file_of_a_killed_process_means_nothing_runs(data_dir: DataDir) -> None:
    code = (
        "import sys; from tinykube.cmd.datadir import DataDir;"
        "from tinykube.cmd.running import ClusterLock;"
        "ClusterLock(DataDir(__import__('pathlib').Path(sys.argv[1]))).acquire();"
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(data_dir.root)], check=False)
    assert proc.returncode == -9
    assert data_dir.pid_file.exists()
    assert running_pid(data_dir) is None
    lock = ClusterLock(data_dir)
    lock.acquire()
    lock.release()
