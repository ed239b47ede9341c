"""logs, exec and attach through the real API server: kubectl, and a raw channel client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tinykube.agent.streams import PodStreams
from tinykube.host import netns
from tinykube.testing.apiserver import serving

from .conftest import Node, leftovers, start_node, stop_node, unique_node
from .test_agent import ready, wait_pod

pytestmark = pytest.mark.asyncio(loop_scope="module")

KUBECTL = shutil.which("kubectl")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    base = tmp_path_factory.mktemp("streams")
    async with serving(base) as api:
        n = await start_node(api, base / "state", unique_node())
        api.server.set_pod_streams(PodStreams(n.agent))
        try:
            await n.create({"metadata": {"name": "talk", "namespace": "default"}, "spec": {
                "containers": [{"name": "c", "image": "busybox", "command": [
                    "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; sleep 3600"]}]}})
            await n.create({"metadata": {"name": "term", "namespace": "default"}, "spec": {
                "containers": [{"name": "c", "image": "busybox", "stdin": True,
                                "tty": True}]}})
            await wait_pod(n, "talk", ready)
            await wait_pod(n, "term", ready)
            yield n
        finally:
            await stop_node(n)
            left = leftovers(n.config, n.created)
            for name in left:
                await netns.delete(name)
            assert not left


def kubeconfig(node: Node, home: Path) -> Path:
    api = node.api
    path = home / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "t",
        "clusters": [{"name": "t", "cluster": {"server": api.url,
                                               "certificate-authority": api.ca_file}}],
        "users": [{"name": "t", "user": {"token": api.token}}],
        "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}]}))
    return path


async def kubectl(node: Node, tmp_path: Path, *args: str, stdin: bytes | None = None
                  ) -> tuple[int, str, str]:
    if KUBECTL is None:
        pytest.skip("kubectl is not on PATH")
    kc = kubeconfig(node, tmp_path)
    p = await asyncio.create_subprocess_exec(
        KUBECTL, "--kubeconfig", str(kc), *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "HOME": str(tmp_path)})
    out, err = await asyncio.wait_for(p.communicate(stdin), 30)
    return p.returncode or 0, out.decode(), err.decode()


async def test_kubectl_logs_with_tail(node, tmp_path):
    code, out, _ = await kubectl(node, tmp_path, "logs", "talk", "--tail=2")
    assert (code, out) == (0, "line 4\nline 5\n")
    code, out, _ = await kubectl(node, tmp_path, "logs", "talk")
    assert out.startswith("line 1\n") and out.count("\n") == 5


async def test_kubectl_logs_errors_are_the_apis(node, tmp_path):
    code, _, err = await kubectl(node, tmp_path, "logs", "talk", "--previous")
    assert code != 0 and 'previous terminated container "c" in pod "talk" not found' in err
    code, _, err = await kubectl(node, tmp_path, "logs", "talk", "-c", "nope")
    assert code != 0 and "container nope is not valid for pod talk" in err


async def test_kubectl_exec_streams_exit_codes_and_stdin(node, tmp_path):
    code, out, err = await kubectl(node, tmp_path, "exec", "talk", "--", "sh", "-c",
                                   "hostname; echo err >&2; exit 3")
    assert (code, out) == (3, "talk\n")
    assert "err\n" in err and "command terminated with exit code 3" in err
    code, out, _ = await kubectl(node, tmp_path, "exec", "-i", "talk", "--", "sh", "-c",
                                 "cat; echo done", stdin=b"from stdin\n")
    assert (code, out) == (0, "from stdin\ndone\n")


async def test_follow_ends_when_the_container_run_ends(node, tmp_path):
    await node.create({"metadata": {"name": "short", "namespace": "default"}, "spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox",
                                                  "command": ["sh", "-c",
                                                              "echo a; sleep 1; echo b"]}]}})
    await wait_pod(node, "short", lambda p: p["status"]["phase"] in ("Running", "Succeeded"))
    code, out, _ = await kubectl(node, tmp_path, "logs", "-f", "short")
    assert (code, out) == (0, "a\nb\n")


async def channel_client(node: Node, path: str):
    ctx = ssl.create_default_context(cafile=node.api.ca_file)
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {node.api.token}"})
    ws = await session.ws_connect(node.api.url + path, protocols=("v5.channel.k8s.io",),
                                  ssl=ctx)
    return session, ws


async def read_until(ws, marker: bytes, within: float = 10) -> tuple[bytes, dict | None]:
    out, status = b"", None
    async with asyncio.timeout(within):
        while marker not in out and status is None:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.BINARY:
                break
            if msg.data[0] == 3:
                status = json.loads(msg.data[1:])
            else:
                out += msg.data[1:]
    return out, status


async def test_exec_with_a_terminal(node):
    session, ws = await channel_client(
        node, "/api/v1/namespaces/default/pods/term/exec?command=sh&stdin=true&stdout=true"
              "&tty=true&container=c")
    try:
        assert ws.protocol == "v5.channel.k8s.io"
        await ws.send_bytes(b"\x04" + json.dumps({"Width": 100, "Height": 30}).encode())
        await ws.send_bytes(b"\x00stty size; tty; exit 5\r")
        out, status = await read_until(ws, b"\x00never")
        assert b"30 100" in out and b"/dev/pts/" in out
        assert status is not None and status["reason"] == "NonZeroExitCode"
        assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "5"}]
    finally:
        await ws.close()
        await session.close()


async def test_attach_to_a_terminal_container(node):
    session, ws = await channel_client(
        node, "/api/v1/namespaces/default/pods/term/attach?stdin=true&stdout=true&tty=true"
              "&container=c")
    try:
        await ws.send_bytes(b"\x00echo attached-$((40+2))\r")
        out, _ = await read_until(ws, b"attached-42")
        assert b"attached-42" in out
    finally:
        await ws.close()
        await session.close()
    pod = await node.get("term")
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0  # detach kept it


async def test_exec_in_a_missing_container_is_refused(node):
    resp_status = None
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {node.api.token}"})
    try:
        async with session.get(node.api.url + "/api/v1/namespaces/default/pods/talk/exec"
                               "?command=true&container=zzz",
                               ssl=ssl.create_default_context(cafile=node.api.ca_file)) as r:
            resp_status = r.status
            body = await r.json()
    finally:
        await session.close()
    assert resp_status == 400 and "container zzz is not valid" in body["message"]

