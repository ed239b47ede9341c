"""Which cluster a command talks to, as whom, in which namespace, and where it prints.

The kubeconfig is ``--kubeconfig``, else ``$KUBECONFIG`` (its first entry), else the one
``tinykube up`` wrote in its data dir (``$TINYKUBE_DATA_DIR`` or
``~/.local/share/tinykube``, the layout of ``cmd.datadir``, which this layer may not import).
A missing kubeconfig or a refused connection becomes ``ClusterNotRunning`` saying how to
start a cluster. ``Session`` carries the client, the namespace (``-n``, else ``default``)
and the streams, so every verb is a function of a session and its arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tinykube.cli import failures
from tinykube.client import Client
from tinykube.client import kubeconfig as kubeconfig_file
from tinykube.errors import ClusterNotRunning

DATA_DIR_ENV = "TINYKUBE_DATA_DIR"
DEFAULT_NAMESPACE = "default"


def data_dir(env: Mapping[str, str]) -> Path:
    """The data dir of ``tinykube up`` (``cmd.datadir.default_root``)."""
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    return Path.home() / ".local" / "share" / "tinykube"


def kubeconfig_path(flag: str | None, env: Mapping[str, str],
                    data_dir_flag: str | None = None) -> Path:
    """``--kubeconfig``, ``$KUBECONFIG``, else the data dir's kubeconfig."""
    if flag:
        return Path(flag).expanduser()
    first = next((p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p), "")
    if first and not data_dir_flag:
        return Path(first).expanduser()
    root = Path(data_dir_flag).expanduser() if data_dir_flag else data_dir(env)
    return root / "kubeconfig"


@dataclass
class Session:
    """What every verb needs. ``client`` is opened lazily (``kubectl`` needs none)."""

    kubeconfig: Path
    namespace: str = DEFAULT_NAMESPACE
    explicit_namespace: bool = False
    out: TextIO | None = None
    err: TextIO | None = None
    stdin: TextIO | None = None
    _client: Client | None = field(default=None, repr=False)
    _config: kubeconfig_file.KubeConfig | None = field(default=None, repr=False)

    def client(self) -> Client:
        if self._client is None:
            cfg = self.config()
            self._client = Client(cfg.server, cfg.token, cfg.ca_file, ca_data=cfg.ca_data,
                                  insecure=cfg.insecure, user_agent="tinykube-cli")
        return self._client

    def config(self) -> kubeconfig_file.KubeConfig:
        if self._config is None:
            if not self.kubeconfig.exists():
                raise ClusterNotRunning(
                    f"no tinykube cluster found (no kubeconfig at {self.kubeconfig}): "
                    f"{failures.START_HINT}")
            self._config = kubeconfig_file.load(self.kubeconfig)
        return self._config

    def print(self, text: str = "", end: str = "\n") -> None:
        assert self.out is not None
        self.out.write(text + end)
        self.out.flush()

    def warn(self, text: str) -> None:
        assert self.err is not None
        self.err.write(text + "\n")
        self.err.flush()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def not_running(self, err: ClusterNotRunning) -> ClusterNotRunning:
        """A refused connection, said the tinykube way."""
        if "no tinykube cluster found" in str(err):
            return err
        server = self._config.server if self._config else str(self.kubeconfig)
        return failures.not_running(server)
