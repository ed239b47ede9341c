"""The command line: every mistake a user can make is one line on stderr and exit 1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tinykube import __version__
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.main import main
from tinykube.cmd.running import ClusterLock


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_bad_flag_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["up", "--bogus"])
    assert e.value.code == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("tinykube: unrecognized arguments: --bogus")


@pytest.mark.parametrize("value", ["0", "70000", "http"])
def test_bad_port(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["up", "--port", value])
    assert e.value.code == 1
    assert "invalid port" in _one_line(capsys.readouterr().err)


def test_bad_store(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["up", "--store", "etcd"])
    assert e.value.code == 1
    assert "invalid choice: 'etcd'" in _one_line(capsys.readouterr().err)


def test_missing_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 1
    assert "required" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("detach", [[], ["-d"]])
def test_unwritable_data_dir(
    tmp_path: Path, detach: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    assert main(["up", *detach, "--data-dir", str(tmp_path / "file" / "dd")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"tinykube: cannot use data dir {tmp_path}/file/dd")


@pytest.mark.parametrize("detach", [[], ["-d"]])
def test_port_in_use(tmp_path: Path, detach: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        code = main(["up", *detach, "--data-dir", str(tmp_path), "--port", str(busy)])
    assert code == 1
    assert _one_line(capsys.readouterr().err) == (
        f"tinykube: port {busy} is in use: is another tinykube running? try --port"
    )
    assert not DataDir(tmp_path).pid_file.exists()


@pytest.mark.parametrize("detach", [[], ["-d"]])
def test_second_up_on_a_running_data_dir(
    tmp_path: Path, detach: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    d = DataDir(tmp_path)
    d.prepare()
    lock = ClusterLock(d)
    lock.acquire()
    try:
        assert main(["up", *detach, "--data-dir", str(tmp_path)]) == 1
    finally:
        lock.release()
    line = _one_line(capsys.readouterr().err)
    assert "already running on data dir" in line and "tinykube down" in line


def test_kubeconfig_before_any_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kubeconfig", "--data-dir", str(tmp_path)]) == 1
    assert "no kubeconfig in" in _one_line(capsys.readouterr().err)


def test_kubeconfig_prints_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kubeconfig").write_text("{}")
    assert main(["kubeconfig", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path}/kubeconfig\n"


def test_kubeconfig_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kubeconfig").write_text("{}")
    monkeypatch.setenv("TINYKUBE_DATA_DIR", str(tmp_path))
    assert main(["kubeconfig"]) == 0
    assert capsys.readouterr().out.strip() == f"{tmp_path}/kubeconfig"


def test_down_when_nothing_runs_is_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["down", "--data-dir", str(tmp_path)]) == 0
    assert "no tinykube is running" in capsys.readouterr().out


def test_version_without_a_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"tinykube {__version__} (Kubernetes API v1.")

