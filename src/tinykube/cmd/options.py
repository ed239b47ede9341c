"""The settings of one ``tinykube up``, as parsed from its flags.

Kept apart from ``up.py`` so that ``up -d`` (which only spawns and waits) does not import
the API server, the store and the controllers it will never run itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.kubeconfig import server_url

StoreKind = Literal["sqlite", "memory"]


@dataclass(frozen=True)
class UpOptions:
    data_dir: DataDir
    address: str = "127.0.0.1"
    port: int = 6443
    store: StoreKind = "sqlite"
    child: bool = False  # started by ``up -d``: the parent prints the summary
    verbose: int = 0

    @property
    def server(self) -> str:
        return server_url(self.address, self.port)

    def argv(self) -> list[str]:
        """The flags that start the same cluster again (what ``up -d`` runs in the background)."""
        return [
            "up",
            "--data-dir", str(self.data_dir.root),
            "--address", self.address,
            "--port", str(self.port),
            "--store", self.store,
            *(["-" + "v" * self.verbose] if self.verbose else []),
        ]
