"""Restart safety: a crashed agent's pods come back with their identity."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tinykube.host import netns
from tinykube.testing.apiserver import serving

from .conftest import leftovers, start_node, stop_node, unique_node
from .test_agent import NGINX, in_pod, ready, wait_pod

pytestmark = pytest.mark.asyncio


async def test_after_a_crash_the_next_agent_cleans_up_and_recreates_pods(tmp_path: Path):
    name = unique_node()
    uids: list[str] = []
    async with serving(tmp_path) as api:
        first = await start_node(api, tmp_path / "state", name)
        second = None
        try:
            uids.append((await first.create(NGINX))["metadata"]["uid"])
            before = await wait_pod(first, "web-0", ready)
            old_pid = int(before["status"]["containerStatuses"][0]["containerID"].split("//")[1])
            old_ns = first.agent.worker("default", "web-0").layout.netns
            first.task.cancel()                      # a crash: nothing is cleaned up
            await asyncio.gather(first.task, return_exceptions=True)
        except BaseException:
            await stop_node(first)
            raise
        try:
            second = await start_node(api, tmp_path / "state", name)
            assert not Path(f"/proc/{old_pid}/cmdline").exists() or not Path(
                f"/proc/{old_pid}/cmdline").read_bytes()
            after = await wait_pod(second, "web-0",
                                   lambda p: ready(p) and p["status"]["containerStatuses"][0][
                                       "containerID"] != before["status"]["containerStatuses"][0][
                                       "containerID"])
            assert after["status"]["podIP"] == before["status"]["podIP"]
            assert await in_pod(second, "web-0", "hostname") == "web-0\n"
            assert second.agent.worker("default", "web-0").layout.netns == old_ns
        finally:
            if second is not None:
                await stop_node(second)
            else:
                await stop_node(first)
    left = leftovers(second.config if second else first.config, uids)
    for n in left:
        await netns.delete(n)
    assert not left
