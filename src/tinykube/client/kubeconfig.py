"""Read a kubeconfig: which server, which CA to trust, which token to send.

Only what tinykube and ``tinykube kubeconfig`` produce is supported, which is what most
kubeconfigs use: a context picking a cluster (``server``, ``certificate-authority-data`` or
``certificate-authority`` — relative to the file —, ``insecure-skip-tls-verify``) and a user
with a bearer ``token`` or ``tokenFile``. Mistakes raise ``ConfigError`` naming the file.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinykube.errors import BadRequest, ConfigError
from tinykube.wire import codec


@dataclass(frozen=True)
class KubeConfig:
    server: str
    token: str = ""
    ca_file: str | None = None
    ca_data: bytes | None = None  # PEM
    insecure: bool = False
    context: str = ""


def default_path() -> Path:
    """``$KUBECONFIG`` (its first entry) or ``~/.kube/config``."""
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first) if first else Path.home() / ".kube" / "config"


def load(path: str | os.PathLike[str] | None = None, *, context: str | None = None) -> KubeConfig:
    p = Path(path) if path is not None else default_path()
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read kubeconfig: {e.strerror or e}", where=str(p)) from e
    try:
        doc = codec.load_yaml(text)
    except BadRequest as e:
        raise ConfigError(str(e), where=str(p)) from e
    return parse(doc, base_dir=p.parent, context=context, where=str(p))


def parse(doc: Any, *, base_dir: Path, context: str | None = None,
          where: str = "") -> KubeConfig:
    """The connection settings of ``context`` (default: ``current-context``)."""
    if not isinstance(doc, dict):
        raise ConfigError("a kubeconfig must be a mapping", where=where)
    name = context or str(doc.get("current-context") or "")
    if not name:
        raise ConfigError("no context given and no current-context set", where=where)
    ctx = _named(doc, "contexts", name, "context", where)
    cluster = _named(doc, "clusters", str(ctx.get("cluster") or ""), "cluster", where)
    user_name = str(ctx.get("user") or "")
    user = _named(doc, "users", user_name, "user", where) if user_name else {}
    server = str(cluster.get("server") or "")
    if not server:
        raise ConfigError(f"cluster {ctx.get('cluster')!r} has no server", where=where)
    return KubeConfig(
        server=server,
        token=_token(user, base_dir, where),
        ca_file=_path(cluster.get("certificate-authority"), base_dir),
        ca_data=_b64(cluster.get("certificate-authority-data"), where),
        insecure=bool(cluster.get("insecure-skip-tls-verify")),
        context=name,
    )


def _named(doc: dict[str, Any], section: str, name: str, field: str,
           where: str) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(field) or {}
            if isinstance(value, dict):
                return value
    raise ConfigError(f"{section[:-1]} {name!r} not found", where=where)


def _token(user: dict[str, Any], base_dir: Path, where: str) -> str:
    if user.get("token"):
        return str(user["token"])
    token_file = _path(user.get("tokenFile"), base_dir)
    if token_file:
        try:
            return Path(token_file).read_text().strip()
        except OSError as e:
            raise ConfigError(f"cannot read tokenFile {token_file}: {e.strerror}",
                              where=where) from e
    return ""


def _path(value: Any, base_dir: Path) -> str | None:
    if not value:
        return None
    p = Path(str(value)).expanduser()
    return str(p if p.is_absolute() else base_dir / p)


def _b64(value: Any, where: str) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ConfigError(f"certificate-authority-data is not base64: {e}", where=where) from e
