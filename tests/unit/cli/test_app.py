from __future__ import annotations

import io
import os
import socket
import stat
from pathlib import Path

import pytest

from tinykube.cli import app
from tinykube.wire import codec


def _run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = app.main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_every_verb_is_dispatched() -> None:
    assert {"apply", "create", "get", "describe", "delete", "scale", "expose", "run", "exec",
            "logs", "rollout", "kubectl"} <= app.VERBS


def test_usage_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run("--help")
    assert code == 0 and out.startswith("usage: tinykube VERB")
    code, _, err = _run("frobnicate")
    assert code == 1 and err.startswith("usage: tinykube VERB")
    code, _, _ = _run("get", "--help")
    assert code == 0 and "--show-labels" in capsys.readouterr().out


def test_a_bad_flag_is_one_line_and_exit_status_1() -> None:
    code, out, err = _run("get", "svc", "--bogus")
    assert (code, out) == (1, "")
    assert err == "error: unrecognized arguments: --bogus (see `tinykube get --help`)\n"
    code, _, err = _run("scale", "deploy", "web")
    assert code == 1 and "--replicas" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_cluster_that_is_not_running_says_how_to_start_one(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    server = f"https://127.0.0.1:{_free_port()}"
    kubeconfig.write_text(codec.dumps({
        "current-context": "t", "clusters": [{"name": "t", "cluster": {"server": server}}],
        "contexts": [{"name": "t", "context": {"cluster": "t"}}]}).decode())
    code, _, err = _run("get", "svc", "--kubeconfig", str(kubeconfig))
    assert code == 1
    assert err == (f"error: the tinykube cluster at {server} is not running: "
                   "start one with `tinykube up -d`\n")


def test_no_kubeconfig_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("TINYKUBE_DATA_DIR", str(tmp_path))
    code, _, err = _run("get", "svc")
    assert code == 1
    assert err == (f"error: no tinykube cluster found (no kubeconfig at {tmp_path}/kubeconfig):"
                   " start one with `tinykube up -d`\n")


def test_kubectl_runs_the_real_one_with_our_kubeconfig(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "bin" / "kubectl"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$KUBECONFIG $*"\nexit 3\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("{}")
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    code = app.main(["kubectl", "get", "svc", "-n", "qa"])
    assert code == 3
    assert capfd.readouterr().out == f"{kubeconfig} get svc -n qa\n"


def test_kubectl_missing_says_how_to_get_it(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = _run("kubectl", "version")
    assert code == 1
    assert err.startswith("error: kubectl is not installed; get it from "
                          "https://kubernetes.io/docs/tasks/tools/")
