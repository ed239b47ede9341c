"""What a crashed ``tinykube up`` (``kill -9``, power cut) left behind on a machine.

Everything a cluster creates outside its process lives in its node's network namespace or
in a pod's: the nftables table, the bridge and veths, the DNS and API listeners of the
node, the pods' processes. The agent records each pod's sandbox in its state dir, so the
leftovers of a data dir are found from the data dir alone, with no API. The next ``up``
removes them itself (``Agent.start``); ``tinykube down`` on a data dir where nothing runs
removes them too, so a user can clean up without starting the cluster again.
"""

from __future__ import annotations

import logging

from tinykube.agent import node, sandbox
from tinykube.agent.config import AgentConfig
from tinykube.cmd import nodelock
from tinykube.cmd.datadir import DataDir
from tinykube.errors import ConfigError
from tinykube.host import netns

log = logging.getLogger(__name__)


def node_names(data_dir: DataDir, *, held_too: bool = False) -> list[str]:
    """Every node an agent ran on this data dir that no running cluster holds now (another
    data dir's cluster may have taken the same node name since); all with ``held_too``."""
    root = data_dir.agent_dir
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and (held_too or not nodelock.in_use(p.name)))


def left(data_dir: DataDir, *, held_too: bool = False) -> list[str]:
    """The network namespaces of this data dir that exist (node and pods); with
    ``held_too`` also those of a node a running cluster holds (its live footprint)."""
    found: list[str] = []
    for name in node_names(data_dir, held_too=held_too):
        config = AgentConfig(state_dir=data_dir.agent_dir, node_name=name)
        found += [s.netns for s in sandbox.leftovers(config)
                  if s.own_netns and netns.exists(s.netns)]
        if netns.exists(config.node_netns):
            found.append(config.node_netns)
    return found


async def clean(data_dir: DataDir) -> list[str]:
    """Kill the processes and delete the namespaces a crashed run left; what was removed."""
    removed: list[str] = []
    for name in node_names(data_dir):
        config = AgentConfig(state_dir=data_dir.agent_dir, node_name=name)
        for layout in sandbox.leftovers(config):
            if layout.own_netns and netns.exists(layout.netns):
                removed.append(layout.netns)
            await sandbox.remove_network(layout)
            sandbox.remove_dir(layout)
        if await node.NodeNetwork(config).teardown():
            removed.append(config.node_netns)
        _drop_lock(name, data_dir)
    if removed:
        log.info("removed leftovers of a crashed run: %s", removed)
    return removed


def _drop_lock(name: str, data_dir: DataDir) -> None:
    """The crashed run's node lock file (taken first, so a cluster that just started with
    that name keeps it)."""
    lock = nodelock.NodeLock(name, data_dir.root)
    try:
        lock.acquire()
    except ConfigError:
        return
    lock.release()
