"""Assembly: a failed controller is started again; certificates name the listen address."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tinykube.cmd import assembly
from tinykube.cmd.board import Board, Component, load
from tinykube.cmd.datadir import DataDir
from tinykube.cmd.nodesupport import NodeSupport
from tinykube.cmd.options import UpOptions
from tinykube.errors import SystemError_
from tinykube.proxy.dataplane import SyncResult
from tinykube.proxy.model import ProxyState


class _Flaky:
    def __init__(self) -> None:
        self.runs = 0
        self.second_run = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("boom")
        self.second_run.set()
        await asyncio.Event().wait()


async def test_a_failed_controller_runs_again(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setattr(assembly, "RESTART_DELAYS", (0.0,))
    flaky = _Flaky()
    board = Board(tmp_path / "components.json", pid=1)
    board.declare("flaky")
    task = asyncio.create_task(assembly._supervise("flaky", flaky, board))
    await asyncio.wait_for(flaky.second_run.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert flaky.runs == 2
    published = load(tmp_path / "components.json")
    assert published is not None
    assert published.component("flaky") == Component(
        "flaky", "running", published.components[0].since, restarts=1, error="boom")


async def test_the_supervisor_says_restarting_during_the_delay(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(assembly, "RESTART_DELAYS", (3600.0,))
    flaky = _Flaky()
    board = Board(tmp_path / "components.json", pid=1)
    board.declare("flaky")
    task = asyncio.create_task(assembly._supervise("flaky", flaky, board))
    for _ in range(100):
        await asyncio.sleep(0)
        if flaky.runs:
            break
    await asyncio.sleep(0)
    c = board.snapshot.component("flaky")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert c is not None
    assert (c.state, c.error, c.restarts) == ("restarting", "boom", 0)


def test_components_declared_as_root_and_not(tmp_path: Path) -> None:
    root = assembly.Cluster(UpOptions(DataDir(tmp_path)), NodeSupport(root=True, nft=False))
    root.declare_components()
    states = {c.name: (c.state, c.detail) for c in root.board.snapshot.components}
    assert list(states) == ["store", "apiserver", "node-agent", "informers",
                            "controller-manager", "proxy", "dns"]
    assert states["proxy"] == ("starting", "userspace (nft not found)")
    assert root.board.snapshot.node == "tinykube-control-plane"
    user = assembly.Cluster(UpOptions(DataDir(tmp_path)), NodeSupport(root=False, nft=True))
    user.declare_components()
    snap = user.board.snapshot
    assert [c.name for c in snap.components if c.state == "off"] == ["node-agent", "proxy",
                                                                     "dns"]
    assert snap.node == "" and snap.published_on == ()


async def test_the_agent_ending_is_a_failure_on_the_board(tmp_path: Path) -> None:
    board = Board(tmp_path / "components.json", pid=1)
    board.declare(assembly.AGENT)

    async def crash() -> None:
        raise RuntimeError("netns gone\nsecond line")

    task = asyncio.create_task(crash())
    await asyncio.gather(task, return_exceptions=True)
    assembly._report_agent_end(board, task)
    c = board.snapshot.component(assembly.AGENT)
    assert c is not None and (c.state, c.error) == ("failed", "netns gone")


def test_certificates_name_a_specific_listen_address() -> None:
    assert assembly._extra_ips("0.0.0.0") == []
    assert assembly._extra_ips("127.0.0.1") == []
    assert assembly._extra_ips("localhost") == []
    assert assembly._extra_ips("192.0.2.7") == ["192.0.2.7"]


class _Dataplane:
    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.cleaned = False

    async def sync(self, state: object, changed: object) -> SyncResult:
        if self.fail:
            raise SystemError_("nft: syntax error")
        return SyncResult(retry_after=1.0)

    async def cleanup(self) -> None:
        self.cleaned = True


async def test_the_proxy_line_waits_for_a_successful_first_sync() -> None:
    failing = assembly._Programmed(_Dataplane(fail=True))
    with pytest.raises(SystemError_):
        await failing.sync(ProxyState({}, {}), None)
    assert not failing.first_sync.is_set()
    inner = _Dataplane(fail=False)
    ok = assembly._Programmed(inner)
    assert await ok.sync(ProxyState({}, {}), None) == SyncResult(retry_after=1.0)
    assert ok.first_sync.is_set()
    await ok.cleanup()
    assert inner.cleaned


def test_nothing_started_nothing_to_stop(tmp_path: Path) -> None:
    cluster = assembly.Cluster(UpOptions(DataDir(tmp_path)), NodeSupport(root=True, nft=True))
    assert cluster.stop_stages() == []
    cfg = cluster.agent_config()
    assert (cfg.node_netns, cfg.host_ip, cfg.cluster_dns) == (
        "tinykube-control-plane", "172.18.0.2", ("10.96.0.10",))
    assert cfg.state_dir == tmp_path / "agent" and cfg.image_map == tmp_path / "images.yaml"
