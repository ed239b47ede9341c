"""``tinykube shell [--node N] [-- CMD...]``: a shell, or a command, inside a node.

Like ``docker exec`` into a kind node: the process runs in the node's network namespace
(where ClusterIPs, NodePorts on the node IP and pod IPs are reachable), with the node's
name as hostname and the cluster DNS in its ``/etc/resolv.conf`` (search ``default``'s
domains), so ``curl my-nginx.default`` or ``nslookup kubernetes`` work as from a node.
The agent prepared those files when it set the node up (``agent.node.shell_spawn``);
this module only finds the node and replaces itself with the launcher's command line.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import NoReturn

from tinykube.agent import node
from tinykube.agent.config import AgentConfig
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.options import DEFAULT_NODE
from tinykube.errors import ClusterNotRunning, ConfigError
from tinykube.host import netns, process


def nodes(data_dir: DataDir) -> list[str]:
    """The nodes an agent has set up on this data dir (each has an ``etc`` for shells)."""
    root = data_dir.agent_dir
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "etc" / "resolv.conf").is_file())


def choose(known: list[str], wanted: str | None) -> str:
    """``--node``, else the default node, else the only one there is (pure)."""
    if wanted:
        if wanted not in known:
            have = ", ".join(known) or "none"
            raise ConfigError(f"no node {wanted!r} on this data dir (nodes: {have})")
        return wanted
    if DEFAULT_NODE in known:
        return DEFAULT_NODE
    if len(known) == 1:
        return known[0]
    if not known:
        raise ClusterNotRunning("no node on this data dir: start the cluster as root "
                                "(`sudo tinykube up`) to get one")
    raise ConfigError(f"several nodes on this data dir ({', '.join(known)}): pick one "
                      "with --node")


def command_line(config: AgentConfig, argv: list[str], *,
                 tty: bool) -> tuple[list[str], dict[str, str]]:
    """The launcher's argv and environment for ``argv`` (``sh`` when empty) in the node.
    Our own terminal (or pipes) is inherited as is: no new pseudo-terminal."""
    spawn = replace(node.shell_spawn(config, argv, tty=tty), stdio="pipes")
    return process.launcher_argv(spawn), dict(spawn.env)


def shell(data_dir: DataDir, wanted: str | None, argv: list[str]) -> NoReturn:
    """Replace this process with ``argv`` inside the node."""
    if os.geteuid() != 0:
        raise ConfigError("tinykube shell enters the node's network namespace, which needs "
                          "root: run it with sudo")
    name = choose(nodes(data_dir), wanted)
    config = AgentConfig(state_dir=data_dir.agent_dir, node_name=name)
    if not netns.exists(config.node_netns):
        raise ClusterNotRunning(f"node {name} is not running (no network namespace "
                                f"{config.node_netns}): start the cluster with `tinykube up`")
    line, env = command_line(config, argv, tty=sys.stdin.isatty())
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(line[0], line, env)
