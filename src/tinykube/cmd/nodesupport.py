"""What this machine lets ``up`` run of the node part, and the words to say when not all.

The node part (the node network namespace, the agent's pods, the proxy's dataplane and the
cluster DNS inside that namespace) needs root: it creates network namespaces. Without root
``up`` still runs the API server and the controllers and says what is off and what to run
instead. Without ``nft`` the proxy uses its userspace dataplane. Pure apart from
``detect``, so the foreground ``up``, the ``up -d`` parent and the tests agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tinykube.host import nft

NOT_ROOT = (
    "not root: pods, the dataplane and DNS are off (the API server and controllers run); "
    "run `sudo make up` (or `sudo tinykube up`) for the whole cluster "
    "(a user-namespace mode is future work)"
)
NODE_OFF = "not root; `sudo make up` runs the whole cluster"
NO_NFT = ("nft not found: the proxy uses its userspace dataplane (install nftables for "
          "the kernel one)")


@dataclass(frozen=True)
class NodeSupport:
    root: bool
    nft: bool

    @property
    def node(self) -> bool:
        """Whether the node part runs at all."""
        return self.root

    @property
    def dataplane(self) -> str:
        return "nftables" if self.nft else "userspace"

    def notes(self) -> list[str]:
        """What the user should know before the components start."""
        if not self.root:
            return [NOT_ROOT]
        return [] if self.nft else [NO_NFT]


def detect() -> NodeSupport:
    return NodeSupport(root=os.geteuid() == 0, nft=nft.available())
