"""``tk(...)``: run a CLI verb in-process against a real API server on loopback.

The API server is tinykube's own (``testing.apiserver.serving``: memory store, no
controllers), reached through a kubeconfig like a user's; the verb runs through
``cli.app.amain`` with its output captured. Fast enough for unit tests.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinykube.cli.app import amain
from tinykube.testing.apiserver import Serving, serving
from tinykube.wire import codec


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class Tk:
    def __init__(self, api: Serving, kubeconfig: Path, workdir: Path) -> None:
        self.api = api
        self.kubeconfig = kubeconfig
        self.workdir = workdir

    async def __call__(self, *argv: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = await amain(["--kubeconfig", str(self.kubeconfig), *argv], stdout=out,
                           stderr=err, stdin=io.StringIO(stdin))
        return Result(code, out.getvalue(), err.getvalue())

    def file(self, name: str, text: str) -> str:
        path = self.workdir / name
        path.write_text(text)
        return str(path)


@pytest.fixture
async def tk(tmp_path: Path) -> AsyncIterator[Tk]:
    async with serving(tmp_path) as api:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(codec.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "t",
            "clusters": [{"name": "t", "cluster": {"server": api.url,
                                                   "certificate-authority": api.ca_file}}],
            "users": [{"name": "t", "user": {"token": api.token}}],
            "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}],
        }).decode())
        yield Tk(api, kubeconfig, tmp_path)
