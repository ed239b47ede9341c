"""Where a cluster keeps its state: one directory, and the names of the files in it.

A data dir holds everything one cluster needs to come back after a restart: the SQLite
store, the CA and serving certificate, the bearer token, the kubeconfig that ties the three
together for clients, a pid file and a lock held by the running ``tinykube up``, and the
log of a detached cluster. This module only knows the layout and how to prepare the
directory; what goes into the files is decided by the components that own them.

    <data dir>/
      store.db           SQLite store (plus -wal / -shm)
      pki/               CA and serving certificate (apiserver.certs); pki/ca.crt
      token              the bearer token, 0600
      kubeconfig         0600, embeds the CA and the token
      tinykube.pid       pid of the running ``up``
      up.lock            flock held by the running ``up``
      components.json    the running ``up``'s components and their states (``board``)
      tinykube.log       output of a detached ``up -d``
      agent/<node>/      the node agent's state: pods' dirs, the node's etc/ for ``shell``
      images.yaml        optional: the user's image -> command mapping for pods
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tinykube.errors import ConfigError

ENV_VAR = "TINYKUBE_DATA_DIR"


def default_root(env: Mapping[str, str]) -> Path:
    """``$TINYKUBE_DATA_DIR``, else ``~/.local/share/tinykube``."""
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    return Path.home() / ".local" / "share" / "tinykube"


@dataclass(frozen=True)
class DataDir:
    """The file layout of one data dir (pure: nothing is touched until ``prepare``)."""

    root: Path

    @classmethod
    def resolve(cls, flag: str | None, env: Mapping[str, str]) -> DataDir:
        """The data dir chosen by ``--data-dir``, then the environment, then the default."""
        root = Path(flag).expanduser() if flag else default_root(env)
        return cls(root.absolute())

    @property
    def store(self) -> Path:
        return self.root / "store.db"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients verify the API against."""
        return self.pki / "ca.crt"

    @property
    def token_file(self) -> Path:
        return self.root / "token"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def pid_file(self) -> Path:
        return self.root / "tinykube.pid"

    @property
    def lock_file(self) -> Path:
        return self.root / "up.lock"

    @property
    def components(self) -> Path:
        """The states of the running ``up``'s components, for ``tinykube status``."""
        return self.root / "components.json"

    @property
    def log_file(self) -> Path:
        return self.root / "tinykube.log"

    @property
    def agent_dir(self) -> Path:
        """The node agent's state dir (``<agent dir>/<node name>/...``)."""
        return self.root / "agent"

    @property
    def image_map(self) -> Path:
        """The user's image -> command mapping (optional; read again when it changes)."""
        return self.root / "images.yaml"

    def prepare(self) -> None:
        """Create the directory (0700) and check it is writable, or raise ``ConfigError``."""
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.pki.mkdir(mode=0o700, exist_ok=True)
            probe = self.root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise ConfigError(f"cannot use data dir {self.root}: {_reason(e)}") from e

    def token(self) -> str:
        """The cluster's bearer token, created on first use and kept across restarts."""
        try:
            text = self.token_file.read_text().strip()
        except FileNotFoundError:
            text = ""
        except OSError as e:
            raise ConfigError(f"cannot read {self.token_file}: {_reason(e)}") from e
        if text:
            return text
        text = secrets.token_urlsafe(32)
        write_private(self.token_file, text + "\n")
        return text


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (0600)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as e:
        raise ConfigError(f"cannot write {path}: {_reason(e)}") from e


def _reason(e: OSError) -> str:
    return e.strerror or str(e)
