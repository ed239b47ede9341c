from __future__ import annotations

from pathlib import Path

import pytest

from tinykube.cli.session import Session, data_dir, kubeconfig_path
from tinykube.errors import ClusterNotRunning


def test_kubeconfig_flag_then_env_then_data_dir(tmp_path: Path) -> None:
    env = {"KUBECONFIG": f"{tmp_path}/a:{tmp_path}/b", "TINYKUBE_DATA_DIR": str(tmp_path / "d")}
    assert kubeconfig_path("/x/kc", env) == Path("/x/kc")
    assert kubeconfig_path(None, env) == tmp_path / "a"
    assert kubeconfig_path(None, {"TINYKUBE_DATA_DIR": str(tmp_path / "d")}) == \
        tmp_path / "d" / "kubeconfig"
    assert kubeconfig_path(None, env, str(tmp_path / "e")) == tmp_path / "e" / "kubeconfig"


def test_default_data_dir() -> None:
    assert data_dir({}) == Path.home() / ".local" / "share" / "tinykube"


def test_no_kubeconfig_says_how_to_start_a_cluster(tmp_path: Path) -> None:
    with pytest.raises(ClusterNotRunning, match=r"no tinykube cluster found .* "
                                                r"start one with `tinykube up -d`"):
        Session(tmp_path / "kubeconfig").client()
