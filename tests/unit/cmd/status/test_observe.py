"""Looking at a data dir: no cluster, a stale board, an API that is not there, the DNS
question's preconditions (the API itself is the e2e tests' part)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinykube.cmd.board import Board, Component, Snapshot, State
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.running import ClusterLock
from tinykube.cmd.status import observe as obs
from tinykube.cmd.status.facts import DnsFacts, NodeFacts

T0 = "2024-05-01T10:00:00Z"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[DataDir]:
    """A data dir whose up lock this process holds: a cluster 'runs' there."""
    d = DataDir(tmp_path / "d")
    d.prepare()
    lock = ClusterLock(d)
    lock.acquire()
    try:
        yield d
    finally:
        lock.release()


def test_nothing_runs(tmp_path: Path) -> None:
    facts = obs.observe(DataDir(tmp_path / "none"), root=False)
    assert facts.pid is None and facts.board is None and facts.api is None
    assert not (tmp_path / "none").exists()  # status creates nothing


def test_a_running_cluster_without_kubeconfig(held: DataDir) -> None:
    board = Board(held.components, pid=os.getpid())
    board.declare("store", "sqlite")
    facts = obs.observe(held, root=False)
    assert facts.pid == os.getpid()
    assert facts.board is not None and facts.board.component("store") is not None
    assert facts.api is not None and "cannot read" in facts.api.error
    assert facts.counts is None and facts.dns is None


def test_a_crashed_runs_board_is_not_believed(held: DataDir) -> None:
    Board(held.components, pid=os.getpid() + 1).declare("store")
    assert obs.observe(held, root=False).board is None


def _snap(dns_state: State = "running", node: str = "n1") -> Snapshot:
    return Snapshot(1, T0, (Component("dns", dns_state, T0),), node=node)


def _asker(calls: list[tuple[str, str, str]]) -> obs.Asker:
    def ask(netns: str, server: str, expected: str) -> DnsFacts:
        calls.append((netns, server, expected))
        return DnsFacts(f"{server}:53", obs.KUBERNETES, expected, answers=(expected,))
    return ask


def test_dns_is_asked_from_the_nodes_namespace_as_root(tmp_path: Path) -> None:
    calls: list[tuple[str, str, str]] = []
    node = NodeFacts("n1", "True", ip="172.18.0.9", netns=str(tmp_path), netns_exists=True)
    kubernetes = {"metadata": {"namespace": "default", "name": "kubernetes"},
                  "spec": {"clusterIP": "10.96.0.1"}}
    facts = obs._dns(_snap(), (node,), {"services": [kubernetes]}, root=True,
                     ask=_asker(calls))
    assert facts is not None and facts.answers == ("10.96.0.1",)
    assert calls == [(str(tmp_path), "172.18.0.9", "10.96.0.1")]


def test_dns_is_not_asked_without_root_or_namespace_or_node_part(tmp_path: Path) -> None:
    calls: list[tuple[str, str, str]] = []
    ask = _asker(calls)
    node = NodeFacts("n1", netns=str(tmp_path / "gone"))
    skipped = obs._dns(_snap(), (node,), {}, root=False, ask=ask)
    assert skipped is not None and skipped.skipped == obs.NOT_ROOT
    assert skipped.server == "172.18.0.2:53"  # the node IP of the address plan
    missing = obs._dns(_snap(), (node,), {}, root=True, ask=ask)
    assert missing is not None and "does not exist" in missing.skipped
    assert obs._dns(_snap(node=""), (), {}, root=True, ask=ask) is None
    assert obs._dns(_snap("off"), (node,), {}, root=True, ask=ask) is None
    assert obs._dns(_snap("starting"), (node,), {}, root=True, ask=ask) is None
    assert obs._dns(None, (node,), {}, root=True, ask=ask) is None
    assert calls == []
