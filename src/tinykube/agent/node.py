"""The node: its network namespace and bridge, and its ``Node`` object with heartbeats.

``NodeNetwork.setup`` makes the node's network namespace (``tinykube-<node>``; a leftover
of a crashed run with the same name is deleted first), loopback up, the bridge ``cbr0``
with the pod CIDR's gateway address (10.244.0.1/24), the node IP (172.18.0.2/24) on an
interface of its own that also takes the default route (so ClusterIPs are routable from
the node itself), and ``net.ipv4.ip_forward=1`` — all inside that namespace, which
the proxy and DNS also use. ``teardown`` deletes it (with everything in it).

``node_object`` (pure) is the Node the agent registers: addresses, pod CIDR, capacity,
node info and conditions (Ready with reason KubeletReady); ``heartbeat`` renews the
conditions' ``lastHeartbeatTime`` through the status subresource.

``shell_spawn`` is ``tinykube shell``: a command in the node's namespace with the node's
name as hostname and the cluster's DNS in its resolv.conf (files written at setup under
``<state dir>/<node>/etc``), like ``docker exec`` into a kind node.
"""

from __future__ import annotations

import logging
import os
import platform
from typing import Any

from tinykube.agent import hostsfile
from tinykube.agent.config import BRIDGE, AgentConfig
from tinykube.agent.envvars import DEFAULT_PATH
from tinykube.agent.resolv import ResolvConf, for_pod, parse
from tinykube.api.kinds import NODE
from tinykube.api.meta import Obj
from tinykube.errors import AlreadyExists
from tinykube.host import netns, process
from tinykube.machinery.apiclient import ApiClient

log = logging.getLogger(__name__)

NODE_LINK = "tk-node"
KUBELET_PORT = 10250
ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}


class NodeNetwork:
    def __init__(self, config: AgentConfig) -> None:
        self.config = config

    @property
    def netns(self) -> str:
        return self.config.node_netns

    @property
    def path(self) -> str:
        return netns.path(self.netns)

    async def setup(self) -> None:
        cfg = self.config
        write_shell_files(cfg)
        if await self.teardown():
            log.info("netns=%s left by an earlier run: deleted", self.netns)
        await netns.create(self.netns)
        try:
            prefix = cfg.network.prefixlen
            await netns.run([netns.bridge_plan(self.netns, BRIDGE, f"{cfg.gateway}/{prefix}")])
            kind = await netns.add_local_address(self.netns, NODE_LINK, cfg.node_ip,
                                                 default_route=True)
            await netns.write_sysctl(self.netns, "net.ipv4.ip_forward", "1")
        except BaseException:
            await netns.delete(self.netns)
            raise
        log.info("node network ready netns=%s bridge=%s/%s node-ip=%s (%s)", self.netns,
                 cfg.gateway, prefix, cfg.node_ip, kind)

    async def teardown(self) -> bool:
        """Delete the namespace, after killing what still runs in it (host-network
        containers, shells): all ours. False if there was none."""
        process.kill_in_netns(self.path)
        return await netns.delete(self.netns)


# --------------------------------------------------------------------------- tinykube shell


def shell_files(config: AgentConfig, node_resolv: ResolvConf) -> dict[str, str]:
    """resolv.conf (cluster DNS, namespace ``default``), hosts and hostname of the node."""
    as_pod: Obj = {"metadata": {"name": config.node_name, "namespace": "default"}, "spec": {}}
    resolv = for_pod(as_pod, cluster_dns=config.cluster_dns, domain=config.cluster_domain,
                     node=node_resolv)
    return {"resolv.conf": resolv.render(),
            "hosts": hostsfile.render(as_pod, [config.host_ip], config.cluster_domain),
            "hostname": config.node_name + "\n"}


def write_shell_files(config: AgentConfig) -> None:
    etc = config.node_dir / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    try:
        node_resolv = parse(config.host_resolv_conf.read_text())
    except OSError:
        node_resolv = ResolvConf()
    for name, text in shell_files(config, node_resolv).items():
        (etc / name).write_text(text)


def shell_spawn(config: AgentConfig, argv: list[str], *, tty: bool) -> process.Spawn:
    """A command (``sh`` by default) in the node's namespace, as ``tinykube shell`` runs
    it; ``process.launcher_argv(spawn)`` is the command line to exec from another process."""
    etc = config.node_dir / "etc"
    env = {"PATH": DEFAULT_PATH, "HOME": "/root", "HOSTNAME": config.node_name}
    if tty:
        env["TERM"] = os.environ.get("TERM", "xterm")
    return process.Spawn(
        argv=tuple(argv or ["sh"]), env=env, netns=netns.path(config.node_netns),
        hostname=config.node_name,
        binds=tuple(process.Bind(str(etc / f), f"/etc/{f}")
                    for f in ("resolv.conf", "hosts", "hostname")),
        scratch=str(config.node_dir / "shell"), stdio="pty" if tty else "pipes", stdin=True)


# --------------------------------------------------------------------------- the Node object


def _arch() -> str:
    machine = platform.machine()
    return ARCH.get(machine, machine)


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return "Linux"


def node_info(config: AgentConfig) -> dict[str, str]:
    machine_id = _read("/etc/machine-id")
    return {
        "machineID": machine_id,
        "systemUUID": machine_id,
        "bootID": _read("/proc/sys/kernel/random/boot_id"),
        "kernelVersion": os.uname().release,
        "osImage": _os_image(),
        "containerRuntimeVersion": config.runtime_version,
        "kubeletVersion": config.kubelet_version,
        "kubeProxyVersion": config.kubelet_version,
        "operatingSystem": "linux",
        "architecture": _arch(),
    }


def conditions(now: str, since: str) -> list[Obj]:
    def cond(type_: str, status: str, reason: str, message: str) -> Obj:
        return {"type": type_, "status": status, "lastHeartbeatTime": now,
                "lastTransitionTime": since, "reason": reason, "message": message}
    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
             "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID",
             "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def node_status(config: AgentConfig, now: str, since: str) -> Obj:
    return {
        "addresses": [{"type": "InternalIP", "address": config.host_ip},
                      {"type": "Hostname", "address": config.node_name}],
        "capacity": dict(config.capacity),
        "allocatable": dict(config.capacity),
        "conditions": conditions(now, since),
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "nodeInfo": node_info(config),
    }


def node_object(config: AgentConfig, now: str) -> Obj:
    arch = _arch()
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": config.node_name,
            "labels": {
                "kubernetes.io/hostname": config.node_name,
                "kubernetes.io/os": "linux", "kubernetes.io/arch": arch,
                "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": arch,
                "node-role.kubernetes.io/control-plane": "",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": config.pod_cidr, "podCIDRs": [config.pod_cidr]},
        "status": node_status(config, now, now),
    }


async def register(api: ApiClient, config: AgentConfig, now: str) -> str:
    """Create the Node, or bring an existing one up to date; the Ready condition's
    ``lastTransitionTime`` (kept from before when the node was already Ready)."""
    obj = node_object(config, now)
    try:
        await api.create(NODE, obj)
        return now
    except AlreadyExists:
        pass
    current = await api.get(NODE, config.node_name)
    since = now
    for c in (current.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready" and c.get("status") == "True":
            since = str(c.get("lastTransitionTime") or now)
    patch: dict[str, Any] = {"metadata": {"labels": obj["metadata"]["labels"]}}
    if not (current.get("spec") or {}).get("podCIDR"):
        patch["spec"] = obj["spec"]
    await api.patch(NODE, config.node_name, patch)
    await api.patch(NODE, config.node_name, {"status": node_status(config, now, since)},
                    subresource="status")
    return since


async def heartbeat(api: ApiClient, config: AgentConfig, now: str, since: str) -> None:
    await api.patch(NODE, config.node_name, {"status": {"conditions": conditions(now, since)}},
                    subresource="status")
