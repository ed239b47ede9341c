"""tinykube shell: which node, and the command line that enters it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinykube.agent.config import AgentConfig
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.shell import choose, command_line, nodes
from tinykube.errors import ClusterNotRunning, ConfigError


def test_nodes_are_the_agent_dirs_prepared_for_shells(tmp_path: Path) -> None:
    d = DataDir(tmp_path)
    assert nodes(d) == []
    for name, ready in (("tinykube-a", True), ("tinykube-b", False)):
        etc = d.agent_dir / name / "etc"
        etc.mkdir(parents=True)
        if ready:
            (etc / "resolv.conf").write_text("nameserver 10.96.0.10\n")
    assert nodes(d) == ["tinykube-a"]


def test_choose_the_asked_the_default_or_the_only_node() -> None:
    assert choose(["tinykube-a", "tinykube-control-plane"], None) == "tinykube-control-plane"
    assert choose(["tinykube-a"], None) == "tinykube-a"
    assert choose(["tinykube-a", "tinykube-b"], "tinykube-b") == "tinykube-b"
    with pytest.raises(ConfigError, match="pick one with --node"):
        choose(["tinykube-a", "tinykube-b"], None)
    with pytest.raises(ConfigError, match="no node 'x'"):
        choose(["tinykube-a"], "x")
    with pytest.raises(ClusterNotRunning, match="sudo tinykube up"):
        choose([], None)


def test_command_line_enters_the_node_with_its_dns_and_our_terminal(tmp_path: Path) -> None:
    cfg = AgentConfig(state_dir=tmp_path, node_name="tinykube-a")
    argv, env = command_line(cfg, ["nslookup", "kubernetes"], tty=True)
    assert argv[-3:] == ["--", "nslookup", "kubernetes"]
    assert argv[argv.index("--net") + 1] == "/run/netns/tinykube-a"
    assert argv[argv.index("--hostname") + 1] == "tinykube-a"
    assert [str(tmp_path / "tinykube-a" / "etc" / "resolv.conf"), "/etc/resolv.conf"] == \
        argv[argv.index("--bind") + 1:argv.index("--bind") + 3]
    assert "--tty" not in argv  # the terminal we have is the shell's
    assert env["HOSTNAME"] == "tinykube-a" and "TERM" in env
    assert command_line(cfg, [], tty=False)[0][-2:] == ["--", "sh"]
