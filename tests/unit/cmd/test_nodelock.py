"""One running cluster per node name: the second is told who has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinykube.cmd.nodelock import NodeLock, in_use
from tinykube.errors import ConfigError


def test_a_held_node_name_is_refused_with_its_holder(tmp_path: Path) -> None:
    first = NodeLock("tinykube-n1", Path("/data/a"), directory=tmp_path)
    assert not in_use("tinykube-n1", tmp_path)
    first.acquire()
    try:
        assert in_use("tinykube-n1", tmp_path)
        assert not in_use("tinykube-n2", tmp_path)
        with pytest.raises(ConfigError, match=r"node name tinykube-n1 is in use by another "
                                              r"tinykube \(pid \d+, data dir /data/a\)"):
            NodeLock("tinykube-n1", Path("/data/b"), directory=tmp_path).acquire()
    finally:
        first.release()
    assert not in_use("tinykube-n1", tmp_path)
    assert list(tmp_path.iterdir()) == []  # a clean stop leaves no file
    again = NodeLock("tinykube-n1", Path("/data/b"), directory=tmp_path)
    again.acquire()
    again.release()
