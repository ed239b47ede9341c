"""What up says when the machine cannot run all of the node part."""

from __future__ import annotations

from tinykube.cmd.nodesupport import NodeSupport


def test_root_with_nft_runs_everything_silently() -> None:
    s = NodeSupport(root=True, nft=True)
    assert s.node and s.dataplane == "nftables" and s.notes() == []


def test_without_nft_the_userspace_dataplane_is_announced() -> None:
    s = NodeSupport(root=True, nft=False)
    assert s.node and s.dataplane == "userspace"
    (note,) = s.notes()
    assert "nft not found" in note and "userspace" in note


def test_without_root_the_node_part_is_off_and_we_say_what_to_run() -> None:
    s = NodeSupport(root=False, nft=True)
    assert not s.node
    (note,) = s.notes()
    assert "pods, the dataplane and DNS are off" in note
    assert "sudo make up" in note
