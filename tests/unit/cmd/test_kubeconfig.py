"""The kubeconfig handed to clients: names, server, embedded CA and token, mode 0600."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import yaml

from tinykube.cmd import kubeconfig


def test_render_names_everything_tinykube() -> None:
    cfg = kubeconfig.render("https://127.0.0.1:6443", b"PEM", "tok")
    assert cfg["current-context"] == "tinykube"
    assert cfg["contexts"] == [
        {"name": "tinykube", "context": {"cluster": "tinykube", "user": "tinykube"}}
    ]
    cluster = cfg["clusters"][0]
    assert cluster["name"] == "tinykube"
    assert cluster["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]) == b"PEM"
    assert cfg["users"] == [{"name": "tinykube", "user": {"token": "tok"}}]


def test_server_url_uses_loopback_for_wildcard_addresses() -> None:
    assert kubeconfig.server_url("0.0.0.0", 7000) == "https://127.0.0.1:7000"
    assert kubeconfig.server_url("127.0.0.2", 6443) == "https://127.0.0.2:6443"
    assert kubeconfig.server_url("::", 6443) == "https://[::1]:6443"


def test_write_is_yaml_readable_by_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    kubeconfig.write(path, "https://127.0.0.1:1234", b"PEM", "tok")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text())["users"][0]["user"]["token"] == "tok"
