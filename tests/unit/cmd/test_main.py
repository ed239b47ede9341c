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



@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--node-name", "Bad_Name", "invalid node name"),
    ("--publish-address", "example.com", "invalid publish address"),
    ("--publish-address", "::1", "an IPv4 address"),
    ("--dns-upstream", "resolver.example", "invalid DNS upstream"),
    ("--dns-upstream", "127.0.0.1:99999", "port out of range"),
    ("--lb-pool", "10.0.0.9-10.0.0.1", "invalid LoadBalancer pool"),
])
def test_bad_node_flags(flag: str, value: str, words: str,
                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["up", flag, value])
    assert e.value.code == 1
    assert words in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("argv", [
    ["get", "pods"], ["-n", "qa", "get", "svc"], ["exec", "web-0", "--", "hostname"],
    ["kubectl", "version"],
])
def test_kubectl_like_verbs_go_to_the_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tinykube.cli import app

    seen: list[list[str]] = []
    monkeypatch.setattr(app, "main", lambda words: seen.append(words) or 0)
    assert main(argv) == 0
    assert seen == [argv]


def test_own_commands_are_not_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from tinykube.cli import app

    monkeypatch.setattr(app, "main", lambda words: pytest.fail(f"cli got {words}"))
    assert main(["kubeconfig", "--data-dir", str(tmp_path)]) == 1
    assert "no kubeconfig" in capsys.readouterr().err


def test_shell_needs_a_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert main(["shell", "--data-dir", str(tmp_path), "--", "hostname"]) == 1
    assert "no node on this data dir" in _one_line(capsys.readouterr().err)


def test_shell_without_root_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert main(["shell", "--data-dir", str(tmp_path)]) == 1
    assert "needs root" in _one_line(capsys.readouterr().err)
