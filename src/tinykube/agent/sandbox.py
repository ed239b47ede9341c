"""A pod's sandbox: its network namespace on the node's bridge, and its directory of files.

Per pod the agent makes a network namespace ``tinykube-pod-<short uid>`` with a veth
(``tk-<short uid>``) on the node's bridge, the pod's IP, loopback and a default route via
the bridge; and a directory ``<pods dir>/<uid>/`` holding what the containers see over
the host's files (bind-mounted by the launcher, the host's own files never change):

    etc/resolv.conf, etc/hosts, etc/hostname
    serviceaccount/{token,ca.crt,namespace}  -> /var/run/secrets/kubernetes.io/serviceaccount
    containers/<name>/<restart>.log          the container's output (``pods/log``)
    containers/<name>/run<restart>/          scratch for the launcher's overlays
    sandbox.json                             uid and netns, to clean up after a crash

A pod on the host network gets no namespace of its own: it uses the node's. ``Layout`` is
pure (names, paths, file contents); ``create``/``remove_network``/``remove`` do the I/O.
Removing the network first kills every process still inside the pod's namespace.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from tinykube.agent import hostsfile
from tinykube.agent.config import BRIDGE, AgentConfig
from tinykube.agent.resolv import ResolvConf, for_pod
from tinykube.api.meta import Obj
from tinykube.host import netns, process

log = logging.getLogger(__name__)

SHORT = 12
POD_NETNS_PREFIX = "tinykube-pod-"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
POD_IFNAME = "eth0"


def short_uid(uid: str) -> str:
    return uid.replace("-", "")[:SHORT]


@dataclass(frozen=True)
class Layout:
    """Where a pod's sandbox lives and what it is called (pure)."""

    uid: str
    dir: Path
    netns: str            # the namespace's name (the node's for host-network pods)
    own_netns: bool       # False for host-network pods
    veth: str

    @classmethod
    def of(cls, pod: Obj, config: AgentConfig) -> Layout:
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        host_net = bool((pod.get("spec") or {}).get("hostNetwork"))
        short = short_uid(uid)
        return cls(
            uid=uid, dir=config.pods_dir / uid,
            netns=config.node_netns if host_net else POD_NETNS_PREFIX + short,
            own_netns=not host_net, veth=netns.ifname("", short),
        )

    @property
    def netns_path(self) -> str:
        return netns.path(self.netns)

    @property
    def etc(self) -> Path:
        return self.dir / "etc"

    @property
    def service_account(self) -> Path:
        return self.dir / "serviceaccount"

    def container_dir(self, name: str) -> Path:
        return self.dir / "containers" / name

    def log_path(self, name: str, restart: int) -> Path:
        return self.container_dir(name) / f"{restart}.log"

    def scratch(self, name: str, restart: int) -> Path:
        return self.container_dir(name) / f"run{restart}"

    def binds(self, with_service_account: bool) -> tuple[process.Bind, ...]:
        out = [process.Bind(str(self.etc / f), f"/etc/{f}")
               for f in ("resolv.conf", "hosts", "hostname")]
        if with_service_account:
            out.append(process.Bind(str(self.service_account), SERVICE_ACCOUNT_DIR,
                                    readonly=True))
        return tuple(out)


@dataclass(frozen=True)
class Files:
    """The contents of a pod's files (pure)."""

    resolv_conf: str
    hosts: str
    hostname: str
    service_account: dict[str, str] | None


def automount(pod: Obj) -> bool:
    flag = (pod.get("spec") or {}).get("automountServiceAccountToken")
    return flag is not False


def files(pod: Obj, config: AgentConfig, pod_ips: list[str], node_resolv: ResolvConf,
          ca_pem: str) -> Files:
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    resolv = for_pod(pod, cluster_dns=config.cluster_dns, domain=config.cluster_domain,
                     node=node_resolv)
    sa = None
    if automount(pod):
        sa = {"token": config.service_account_token, "ca.crt": ca_pem, "namespace": ns}
    return Files(
        resolv_conf=resolv.render(),
        hosts=hostsfile.render(pod, pod_ips, config.cluster_domain, config.node_name),
        hostname=hostsfile.hostname(pod, config.node_name) + "\n",
        service_account=sa,
    )


# --------------------------------------------------------------------------- shell


async def create(layout: Layout, content: Files, ip: str, config: AgentConfig) -> None:
    """Write the pod's files and, unless it is on the host network, make its namespace and
    plug it into the bridge with ``ip``. Half-made sandboxes are removed on failure."""
    write_files(layout, content)
    if not layout.own_netns:
        return
    try:
        await netns.create(layout.netns)
        prefix = config.network.prefixlen
        await netns.run(netns.veth_plan(config.node_netns, BRIDGE, layout.veth,
                                        peer_ns=layout.netns, peer_if=POD_IFNAME,
                                        address=f"{ip}/{prefix}", gateway=config.gateway))
    except BaseException:
        await remove_network(layout)
        raise


def write_files(layout: Layout, content: Files) -> None:
    layout.etc.mkdir(parents=True, exist_ok=True)
    (layout.etc / "resolv.conf").write_text(content.resolv_conf)
    (layout.etc / "hosts").write_text(content.hosts)
    (layout.etc / "hostname").write_text(content.hostname)
    if content.service_account is not None:
        layout.service_account.mkdir(exist_ok=True)
        for name, text in content.service_account.items():
            (layout.service_account / name).write_text(text)
    (layout.dir / "sandbox.json").write_text(json.dumps(
        {"uid": layout.uid, "netns": layout.netns, "own_netns": layout.own_netns}))


async def remove_network(layout: Layout) -> None:
    """Kill whatever still runs in the pod's namespace, then delete the namespace (its veth
    goes with it). Host-network pods have nothing to remove here."""
    if not layout.own_netns:
        return
    process.kill_in_netns(layout.netns_path)
    await netns.delete(layout.netns)


def remove_dir(layout: Layout) -> None:
    shutil.rmtree(layout.dir, ignore_errors=True)


def leftovers(config: AgentConfig) -> list[Layout]:
    """Sandboxes a previous run of this node's agent left in its pods dir."""
    found: list[Layout] = []
    if not config.pods_dir.is_dir():
        return found
    for d in sorted(config.pods_dir.iterdir()):
        try:
            data = json.loads((d / "sandbox.json").read_text())
            found.append(Layout(uid=str(data["uid"]), dir=d, netns=str(data["netns"]),
                                own_netns=bool(data["own_netns"]),
                                veth=netns.ifname("", short_uid(str(data["uid"])))))
        except (OSError, ValueError, KeyError):
            found.append(Layout(uid=d.name, dir=d, netns=POD_NETNS_PREFIX + short_uid(d.name),
                                own_netns=True, veth=""))
    return found
