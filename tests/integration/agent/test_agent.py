"""The agent against the real API server: pods as processes in their own namespaces."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tinykube.agent import runtime
from tinykube.api import kinds
from tinykube.errors import NotFound
from tinykube.host import netns, nsexec, process
from tinykube.testing.wait import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

NGINX = {"metadata": {"name": "web-0", "namespace": "default"},
         "spec": {"hostname": "web-0", "subdomain": "nginx",
                  "containers": [{"name": "nginx", "image": "nginx:1.14.2",
                                  "ports": [{"containerPort": 80}],
                                  "readinessProbe": {"httpGet": {"port": 80, "path": "/"},
                                                     "periodSeconds": 1}}]}}
BUSYBOX = {"metadata": {"name": "dig", "namespace": "default"},
           "spec": {"containers": [{"name": "dig", "image": "busybox",
                                    "command": ["sleep", "3600"]}]}}


def condition(pod: dict, kind: str) -> str:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c["type"] == kind:
            return c["status"]
    return ""


async def wait_pod(node, name: str, check, within: float = 15.0) -> dict:
    seen: dict = {}

    async def ok() -> bool:
        seen["pod"] = await node.get(name)
        return bool(check(seen["pod"]))
    await eventually(ok, within=within, interval=0.05, what=f"pod {name}: {seen}")
    return seen["pod"]


def ready(pod: dict) -> bool:
    return condition(pod, "Ready") == "True"


async def in_pod(node, name: str, *argv: str) -> str:
    """Run a command in the pod's first container (its namespaces) and return stdout."""
    w = node.agent.worker("default", name)
    run = next(iter(w.running.values()))
    spawn = runtime.exec_spawn(run.pid, list(argv), run.env, tty=False)
    p = process.start(spawn)
    os.close(p.stdin_fd)
    p.stdin_fd = None
    await p.wait()
    out = b""
    while True:
        try:
            chunk = os.read(p.stdout_fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        out += chunk
    p.close()
    return out.decode()


async def test_pods_run_ready_with_distinct_ips(node):
    await node.create(NGINX)
    await node.create(BUSYBOX)
    web = await wait_pod(node, "web-0", ready)
    dig = await wait_pod(node, "dig", ready)
    assert web["status"]["phase"] == dig["status"]["phase"] == "Running"
    ips = {web["status"]["podIP"], dig["status"]["podIP"]}
    assert len(ips) == 2 and all(ip.startswith("10.244.0.") for ip in ips)
    cs = web["status"]["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert cs["containerID"].startswith("tinykube://") and "running" in cs["state"]
    assert web["status"]["hostIP"] == "172.18.0.2"


async def test_hostname_resolv_conf_and_service_account_inside(node):
    await wait_pod(node, "web-0", ready)
    assert await in_pod(node, "web-0", "hostname") == "web-0\n"
    assert await in_pod(node, "web-0", "hostname", "-f") == (
        "web-0.nginx.default.svc.cluster.local\n")
    assert await in_pod(node, "web-0", "cat", "/etc/resolv.conf") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n")
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert await in_pod(node, "web-0", "cat", f"{sa}/namespace") == "default"
    assert await in_pod(node, "web-0", "cat", f"{sa}/token") == node.api.token
    assert "BEGIN CERTIFICATE" in await in_pod(node, "web-0", "cat", f"{sa}/ca.crt")
    env = await in_pod(node, "dig", "env")
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1\n" in env
    assert "10.96.0.10" not in Path("/etc/resolv.conf").read_text()
    assert not Path(sa).exists()


async def test_http_from_the_node_namespace_reaches_the_nginx_stand_in(node):
    web = await wait_pod(node, "web-0", ready)
    sock = nsexec.socket_in(node.agent.node_netns_path)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (web["status"]["podIP"], 80))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(b"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
    data = await reader.read()
    writer.close()
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"X-Pod-Name: web-0\r\n" in data and b"Welcome to nginx!" in data


async def test_readiness_failure_moves_the_pod_out_of_ready_and_back(node, tmp_path):
    flag = tmp_path / "ready"
    flag.touch()
    await node.create({"metadata": {"name": "flaky", "namespace": "default"}, "spec": {
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                        "readinessProbe": {"exec": {"command": ["cat", str(flag)]},
                                           "periodSeconds": 1, "failureThreshold": 1}}]}})
    await wait_pod(node, "flaky", ready)
    flag.unlink()
    pod = await wait_pod(node, "flaky", lambda p: condition(p, "Ready") == "False")
    assert pod["status"]["phase"] == "Running"
    assert not pod["status"]["containerStatuses"][0]["ready"]
    flag.touch()
    await wait_pod(node, "flaky", ready)


async def test_a_crashing_container_restarts_then_backs_off(node):
    await node.create({"metadata": {"name": "crash", "namespace": "default"}, "spec": {
        "containers": [{"name": "c", "image": "busybox",
                        "command": ["sh", "-c", "echo boom; exit 3"]}]}})

    def looping(p: dict) -> bool:
        cs = ((p.get("status") or {}).get("containerStatuses") or [{}])[0]
        waiting = (cs.get("state") or {}).get("waiting") or {}
        return cs.get("restartCount", 0) >= 1 and waiting.get("reason") == "CrashLoopBackOff"
    pod = await wait_pod(node, "crash", looping)
    cs = pod["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["exitCode"] == 3
    assert "back-off 10s restarting failed container=c" in cs["state"]["waiting"]["message"]
    assert pod["status"]["phase"] == "Running" and not ready(pod)


async def test_a_liveness_failure_restarts_the_container(node):
    await node.create({"metadata": {"name": "dead", "namespace": "default"}, "spec": {
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                        "livenessProbe": {"tcpSocket": {"port": 9}, "periodSeconds": 1,
                                          "failureThreshold": 1}}]}})
    pod = await wait_pod(node, "dead", lambda p: (p["status"].get("containerStatuses") or [{}])[
        0].get("restartCount", 0) >= 1)
    last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert last["exitCode"] == 128 + 15


async def test_an_image_without_stand_in_or_command_waits_with_a_reason(node):
    await node.create({"metadata": {"name": "redis", "namespace": "default"},
                       "spec": {"containers": [{"name": "r", "image": "redis:7"}]}})
    pod = await wait_pod(node, "redis", lambda p: "waiting" in (
        (p["status"].get("containerStatuses") or [{}])[0].get("state") or {}) and p["status"][
        "containerStatuses"][0]["state"]["waiting"]["reason"] == "ImageNotSupported")
    assert "images.yaml" in pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
    assert pod["status"]["phase"] == "Pending"


async def test_a_command_that_does_not_exist_is_a_start_error(node):
    await node.create({"metadata": {"name": "typo", "namespace": "default"},
                       "spec": {"restartPolicy": "Never",
                                "containers": [{"name": "c", "image": "busybox",
                                                "command": ["no-such-binary-xyz"]}]}})
    pod = await wait_pod(node, "typo", lambda p: p["status"]["phase"] == "Failed")
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["reason"] == "StartError" and term["exitCode"] == 128


async def test_delete_stops_the_process_and_removes_the_namespace(node):
    dig = await wait_pod(node, "dig", ready)
    pid = int(dig["status"]["containerStatuses"][0]["containerID"].split("//")[1])
    w = node.agent.worker("default", "dig")
    ns_name = w.layout.netns
    assert netns.exists(ns_name)
    await node.client.delete(kinds.POD, "dig")

    async def gone() -> bool:
        try:
            await node.get("dig")
        except NotFound:
            return True
        return False
    await eventually(gone, within=15, what="pod dig deleted")
    assert not netns.exists(ns_name)
    assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


async def test_completed_pods_keep_their_status_and_lose_their_network(node):
    await node.create({"metadata": {"name": "job", "namespace": "default"},
                       "spec": {"restartPolicy": "OnFailure",
                                "containers": [{"name": "c", "image": "busybox",
                                                "command": ["true"]}]}})
    pod = await wait_pod(node, "job", lambda p: p["status"]["phase"] == "Succeeded")
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    w = node.agent.worker("default", "job")
    await eventually(lambda: not netns.exists(w.layout.netns), within=5)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True



async def test_the_grpc_server_stand_in_is_ready_once_it_serves(node):
    await node.create({"metadata": {"name": "grpc-server", "namespace": "default"}, "spec": {
        "containers": [{"name": "grpc-server", "image": "techdozo/grpc-lb-server:1.0.0"}]}})
    pod = await wait_pod(node, "grpc-server", ready, within=30)
    assert pod["status"]["containerStatuses"][0]["started"]
    w = node.agent.worker("default", "grpc-server")
    text = w.layout.log_path("grpc-server", 0).read_text()
    assert "grpc-lb-server grpc-server listening on :8001" in text


async def test_pre_stop_runs_before_sigterm(node, tmp_path):
    mark = tmp_path / "prestop"
    await node.create({"metadata": {"name": "hooked", "namespace": "default"}, "spec": {
        "terminationGracePeriodSeconds": 5,
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                        "lifecycle": {"preStop": {"exec": {"command": [
                            "sh", "-c", f"echo ran > {mark}"]}}}}]}})
    await wait_pod(node, "hooked", ready)
    await node.client.delete(kinds.POD, "hooked")

    async def gone() -> bool:
        try:
            await node.get("hooked")
        except NotFound:
            return True
        return False
    await eventually(gone, within=15, what="pod hooked deleted")
    assert mark.read_text() == "ran\n"


async def test_host_network_pods_share_the_node_namespace(node):
    await node.create({"metadata": {"name": "hostnet", "namespace": "default"}, "spec": {
        "hostNetwork": True,
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}})
    pod = await wait_pod(node, "hostnet", ready)
    assert pod["status"]["podIP"] == pod["status"]["hostIP"] == "172.18.0.2"
    assert await in_pod(node, "hostnet", "hostname") == node.config.node_name + "\n"
    links = await in_pod(node, "hostnet", "ip", "-o", "link")
    assert "cbr0" in links
    await node.client.delete(kinds.POD, "hostnet")
    await eventually(lambda: node.agent.worker("default", "hostnet") is None, within=15)
    assert netns.exists(node.config.node_netns)


async def test_init_containers_run_to_completion_first(node, tmp_path):
    mark = tmp_path / "init"
    await node.create({"metadata": {"name": "inited", "namespace": "default"}, "spec": {
        "initContainers": [{"name": "setup", "image": "busybox",
                            "command": ["sh", "-c", f"echo done > {mark}"]}],
        "containers": [{"name": "c", "image": "busybox",
                        "command": ["sh", "-c", f"cat {mark} && sleep 3600"]}]}})
    pod = await wait_pod(node, "inited", ready)
    init = pod["status"]["initContainerStatuses"][0]
    assert init["state"]["terminated"]["reason"] == "Completed"
    assert next(c for c in pod["status"]["conditions"] if c["type"] == "Initialized")[
        "status"] == "True"
