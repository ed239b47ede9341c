"""What a crashed run left, found from the data dir alone."""

from __future__ import annotations

import json
from pathlib import Path

from tinykube.cmd.datadir import DataDir
from tinykube.cmd.leftovers import left, node_names


def test_nodes_and_their_namespaces_come_from_the_agent_dir(tmp_path: Path) -> None:
    d = DataDir(tmp_path)
    assert node_names(d) == [] and left(d) == []
    pod = d.agent_dir / "tinykube-gone" / "pods" / "uid-1"
    pod.mkdir(parents=True)
    (pod / "sandbox.json").write_text(json.dumps(
        {"uid": "uid-1", "netns": "tinykube-pod-nonexistent0", "own_netns": True}))
    assert node_names(d) == ["tinykube-gone"]
    assert left(d) == []  # nothing of it exists on this machine
