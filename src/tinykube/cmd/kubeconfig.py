"""The kubeconfig a cluster hands to its clients: kubectl, the Python client, tinykube's own.

One cluster, one user and one context, all named ``tinykube``; the CA certificate and the
bearer token are embedded, so the file alone is enough to reach the API. It is written
0600 because the token is a credential.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from tinykube.cmd.datadir import write_private
from tinykube.errors import ClusterNotRunning, TinykubeError
from tinykube.wire import codec

NAME = "tinykube"


def server_url(address: str, port: int) -> str:
    """The URL clients use: loopback when the server listens on every address."""
    host = "127.0.0.1" if address in ("", "0.0.0.0") else address
    if host in ("::", "[::]"):
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:{port}"


def render(server: str, ca_pem: bytes, token: str) -> dict[str, Any]:
    """The kubeconfig document (a plain ``Config`` object)."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": NAME,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": NAME, "user": {"token": token}}],
        "contexts": [{"name": NAME, "context": {"cluster": NAME, "user": NAME}}],
        "current-context": NAME,
        "preferences": {},
    }


def write(path: Path, server: str, ca_pem: bytes, token: str) -> None:
    write_private(path, codec.dump_yaml(render(server, ca_pem, token)))


def server_of(path: Path) -> str:
    """The API address a kubeconfig written by ``write`` names."""
    try:
        cfg = codec.load_yaml(path.read_text())
        return str(cfg["clusters"][0]["cluster"]["server"])
    except (OSError, KeyError, IndexError, TypeError, TinykubeError) as e:
        raise ClusterNotRunning(f"cannot read {path}: {e}") from e
