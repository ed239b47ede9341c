"""The settings of one up, and the flags that start the same cluster in the background."""

from __future__ import annotations

from pathlib import Path

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.nodesupport import NodeSupport
from tinykube.cmd.options import UpOptions


def test_detached_child_gets_the_same_flags(tmp_path: Path) -> None:
    opts = UpOptions(DataDir(tmp_path), "0.0.0.0", 7443, "memory", verbose=2)
    assert opts.argv() == ["up", "--data-dir", str(tmp_path), "--address", "0.0.0.0",
                           "--port", "7443", "--store", "memory", "-vv"]


def test_server_is_reachable_by_loopback_when_listening_everywhere(tmp_path: Path) -> None:
    assert UpOptions(DataDir(tmp_path), "0.0.0.0", 7443).server == "https://127.0.0.1:7443"
    assert UpOptions(DataDir(tmp_path)).server == "https://127.0.0.1:6443"


def test_node_flags_are_passed_on_to_the_background_cluster(tmp_path: Path) -> None:
    opts = UpOptions(DataDir(tmp_path), node_name="tinykube-n2",
                     publish_addresses=("0.0.0.0",), dns_upstreams=("127.0.0.1:5353", "9.9.9.9"),
                     lb_pool="127.0.1.0/28")
    assert opts.argv() == ["up", "--data-dir", str(tmp_path), "--address", "127.0.0.1",
                           "--port", "6443", "--store", "sqlite", "--node-name", "tinykube-n2",
                           "--publish-address", "0.0.0.0", "--dns-upstream", "127.0.0.1:5353",
                           "--dns-upstream", "9.9.9.9", "--lb-pool", "127.0.1.0/28"]


def test_nodeports_are_always_published_on_loopback_first(tmp_path: Path) -> None:
    assert UpOptions(DataDir(tmp_path)).published_on == ("127.0.0.1",)
    opts = UpOptions(DataDir(tmp_path), publish_addresses=("192.0.2.1", "127.0.0.1"))
    assert opts.published_on == ("127.0.0.1", "192.0.2.1")
    everywhere = UpOptions(DataDir(tmp_path), publish_addresses=("192.0.2.1", "0.0.0.0"))
    assert everywhere.published_on == ("0.0.0.0",)  # it covers loopback and the rest


def test_summary_names_the_node_part_or_why_it_is_off(tmp_path: Path) -> None:
    opts = UpOptions(DataDir(tmp_path), node_name="tinykube-n2")
    on = opts.summary(NodeSupport(root=True, nft=False))
    assert on.node is not None and on.node.name == "tinykube-n2"
    assert on.node.dns == "10.96.0.10" and on.node_off == ""
    off = opts.summary(NodeSupport(root=False, nft=True), detached_pid=7, log_file="/l")
    assert off.node is None and "sudo make up" in off.node_off
    assert off.detached_pid == 7
