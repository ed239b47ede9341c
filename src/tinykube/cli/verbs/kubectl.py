"""``tinykube kubectl ARGS...``: the real kubectl, pointed at this cluster.

Runs the ``kubectl`` on PATH with ``KUBECONFIG`` set to tinykube's kubeconfig (a
``--kubeconfig`` among the arguments still wins) and returns its exit status. Without
kubectl, it says how to get it and which tinykube verbs do the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from tinykube.cli.session import Session
from tinykube.errors import ConfigError

INSTALL = "https://kubernetes.io/docs/tasks/tools/"


def run(s: Session, argv: list[str]) -> int:
    binary = shutil.which("kubectl")
    if binary is None:
        raise ConfigError(
            f"kubectl is not installed; get it from {INSTALL}, or use tinykube's own verbs "
            "(tinykube apply, get, describe, delete, scale, expose, run, exec, logs, rollout)")
    if not s.kubeconfig.exists():
        s.config()  # raises the "no cluster, start one" error
    env = {**os.environ, "KUBECONFIG": str(s.kubeconfig)}
    return subprocess.call([binary, *argv], env=env)
