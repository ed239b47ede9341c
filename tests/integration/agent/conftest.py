"""A real API server and a real agent, in namespaces named uniquely for this test run.

Needs root (network namespaces); every test here is skipped, saying why, without it.
Teardown always runs ``Agent.cleanup`` and then checks that nothing of this run is left:
no node or pod namespace, no process inside one. Pods get IPs in 10.244.0.0/24, which
exists only inside this run's node namespace.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from tinykube.agent.agent import Agent
from tinykube.agent.config import AgentConfig
from tinykube.api import kinds
from tinykube.client import Client
from tinykube.host import netns
from tinykube.testing.apiserver import Serving, serving

ROOT = os.geteuid() == 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration/agent" in str(item.fspath):
            item.add_marker(pytest.mark.root)
            if not ROOT:
                item.add_marker(pytest.mark.skip(reason="needs root to create network "
                                                         "namespaces"))


@dataclass
class Node:
    api: Serving
    client: Client
    agent: Agent
    config: AgentConfig
    task: asyncio.Task[None]
    created: list[str]

    async def create(self, pod: dict) -> dict:
        pod.setdefault("spec", {})["nodeName"] = self.config.node_name
        pod.setdefault("apiVersion", "v1")
        pod.setdefault("kind", "Pod")
        out = await self.client.create(kinds.POD, pod)
        self.created.append(out["metadata"]["uid"])
        return out

    async def get(self, name: str, ns: str = "default") -> dict:
        return await self.client.get(kinds.POD, name, ns)


async def start_node(api: Serving, state: Path, name: str) -> Node:
    client = api.client()
    config = AgentConfig(state_dir=state, node_name=name, ca_file=Path(api.ca_file),
                         service_account_token=api.token, heartbeat_interval=1.0)
    agent = Agent(client, config)
    await agent.start()
    task = asyncio.create_task(agent.run())
    return Node(api, client, agent, config, task, [])


async def stop_node(node: Node) -> None:
    node.task.cancel()
    await asyncio.gather(node.task, return_exceptions=True)
    await node.agent.cleanup()


def leftovers(config: AgentConfig, uids: list[str]) -> list[str]:
    mine = [config.node_netns] + [f"tinykube-pod-{u.replace('-', '')[:12]}" for u in uids]
    return [n for n in mine if n in netns.names()]


def unique_node() -> str:
    return f"tinykube-it-{secrets.token_hex(3)}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    base = tmp_path_factory.mktemp("agent")
    async with serving(base) as api:
        n = await start_node(api, base / "state", unique_node())
        try:
            yield n
        finally:
            await stop_node(n)
            left = leftovers(n.config, n.created)
            for name in left:       # never leave anything behind, even when failing
                await netns.delete(name)
            assert not left, f"namespaces left behind: {left}"
