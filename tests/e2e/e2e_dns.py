"""Helpers of the DNS and gRPC end-to-end tests: manifests, pods, and what their tools print.

The tests create the seeds' objects in a namespace of their own (``namespace``), wait for
the pods (``wait_pods``), and run the host's ``nslookup``/``dig`` inside a pod through the
API's exec (``tinykube exec``); ``parse_nslookup`` and ``short_lines`` read what those
print, ``call_counts`` what the gRPC stand-in client logs. Polling is bounded
(``e2e_helpers.eventually``); nothing here measures time.
"""

from __future__ import annotations

import re
import string
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from e2e_helpers import apps_api, core_api, eventually, is_ready, live_pods
from kubernetes import client

from tinykube.testing.cluster import RunningCluster, tinykube

Obj = dict[str, Any]
MANIFESTS = Path(__file__).parent / "manifests"
ZONE = "cluster.local"
COMMAND_TIMEOUT = 60


# --------------------------------------------------------------------------- objects


def manifest(name: str, **values: str) -> list[Obj]:
    """The documents of ``manifests/<name>``, ``${KEY}`` replaced by ``values``."""
    text = string.Template((MANIFESTS / name).read_text()).safe_substitute(values)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def create(apis: client.ApiClient, ns: str, obj: Obj) -> Any:
    """Create ``obj`` in ``ns`` with the official client (the kinds these tests use)."""
    core, apps = core_api(apis), apps_api(apis)
    calls = {
        "Pod": core.create_namespaced_pod,
        "Service": core.create_namespaced_service,
        "Deployment": apps.create_namespaced_deployment,
        "StatefulSet": apps.create_namespaced_stateful_set,
    }
    return calls[obj["kind"]](ns, obj)


def service_fqdn(name: str, ns: str) -> str:
    return f"{name}.{ns}.svc.{ZONE}"


def dashed(ip: str) -> str:
    """An endpoint's system-assigned name (R17): ``10.244.0.5`` -> ``10-244-0-5``."""
    return ip.replace(".", "-")


# --------------------------------------------------------------------------- pods


def wait_pods(core: Any, ns: str, selector: str, count: int, timeout: float = 60) -> list[Any]:
    """The ``count`` live pods matching ``selector``, once all are ready, sorted by name."""

    def ready() -> list[Any]:
        pods = live_pods(core, ns, selector)
        if len(pods) == count and all(is_ready(p) for p in pods):
            return sorted(pods, key=lambda p: p.metadata.name)
        return []

    pods: list[Any] = eventually(ready, timeout=timeout)
    return pods


def wait_finished(core: Any, ns: str, name: str, timeout: float = 90) -> Any:
    """The pod once it has Succeeded or Failed."""

    def done() -> Any:
        pod = core.read_namespaced_pod(name, ns)
        return pod if pod.status.phase in ("Succeeded", "Failed") else None

    return eventually(done, timeout=timeout, every=0.5)


def ready_addresses(apis: client.ApiClient, ns: str, service: str) -> set[str]:
    """The ready addresses of the Service's EndpointSlices: what the cluster DNS serves."""
    slices = client.DiscoveryV1Api(apis).list_namespaced_endpoint_slice(
        ns, label_selector=f"kubernetes.io/service-name={service}").items
    return {a for s in slices for e in s.endpoints or []
            if e.conditions is None or e.conditions.ready is not False for a in e.addresses}


def wait_endpoints(apis: client.ApiClient, ns: str, service: str, ips: set[str],
                   timeout: float = 30) -> None:
    """Until the Service's slices list exactly ``ips`` as ready."""
    eventually(lambda: ready_addresses(apis, ns, service) == ips, timeout=timeout)


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run_tinykube(cluster: RunningCluster, verb: str, *args: str) -> Ran:
    """``tinykube VERB --kubeconfig <the cluster's> ARGS``; never raises on a failed command."""
    proc = subprocess.run(tinykube(verb, "--kubeconfig", str(cluster.kubeconfig), *args),
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def in_pod(cluster: RunningCluster, ns: str, pod: str, *command: str) -> Ran:
    """``tinykube exec -n NS POD -- COMMAND``: the host's binary in the pod's namespaces."""
    return run_tinykube(cluster, "exec", "-n", ns, pod, "--", *command)


def logs(cluster: RunningCluster, ns: str, pod: str) -> str:
    ran = run_tinykube(cluster, "logs", "-n", ns, pod)
    assert ran.code == 0, f"tinykube logs {pod}: {ran.out}{ran.err}"
    return ran.out


# --------------------------------------------------------------------------- nslookup, dig


@dataclass(frozen=True)
class Lookup:
    """What BIND's ``nslookup`` printed for one name: CNAMEs, then (name, address) pairs."""

    cnames: tuple[tuple[str, str], ...]
    answers: tuple[tuple[str, str], ...]
    text: str

    @property
    def addresses(self) -> list[str]:
        return [address for _, address in self.answers]

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.answers}


CANONICAL = re.compile(r"^(\S+)\s+canonical name = (\S+)$")


def parse_nslookup(text: str) -> Lookup:
    """BIND 9 ``nslookup`` output: the server block first (``Address: 10.96.0.10#53``,
    skipped), then ``<name> canonical name = <target>.`` lines and ``Name:``/``Address:``
    pairs, one pair per record."""
    cnames: list[tuple[str, str]] = []
    answers: list[tuple[str, str]] = []
    name = ""
    for raw in text.splitlines():
        line = raw.strip()
        if m := CANONICAL.match(line):
            cnames.append((m.group(1), m.group(2)))
        elif line.startswith("Name:"):
            name = line.split(None, 1)[1]
        elif line.startswith("Address:") and name:
            answers.append((name, line.split()[-1]))
    return Lookup(tuple(cnames), tuple(answers), text)


def nslookup(cluster: RunningCluster, ns: str, pod: str, name: str) -> Lookup:
    """``nslookup NAME`` in the pod (its resolv.conf: 10.96.0.10, the namespace's search list)."""
    ran = in_pod(cluster, ns, pod, "nslookup", name)
    assert ran.code == 0, f"nslookup {name} exited {ran.code}: {ran.out}{ran.err}"
    return parse_nslookup(ran.out)


def short_lines(text: str) -> list[str]:
    """``dig +short`` output as sorted lines (answers rotate between queries)."""
    return sorted(line.strip() for line in text.splitlines() if line.strip())


def dig(cluster: RunningCluster, ns: str, pod: str, *args: str) -> list[str]:
    """``dig +short ARGS`` in the pod, its records as sorted lines."""
    ran = in_pod(cluster, ns, pod, "dig", "+short", "+time=2", "+tries=2", *args)
    assert ran.code == 0, f"dig {' '.join(args)} exited {ran.code}: {ran.out}{ran.err}"
    return short_lines(ran.out)


# --------------------------------------------------------------------------- gRPC client logs


SUMMARY = re.compile(r"^calls per pod: (.*)$", re.MULTILINE)
ANSWERED = re.compile(r"^call \d+/\d+ answered by (\S+)$", re.MULTILINE)


def call_counts(log: str) -> tuple[Counter[str], Counter[str]]:
    """From the stand-in client's log: calls per pod counted from its per-call lines, and
    as its ``calls per pod: a=20 b=20`` summary says."""
    per_call = Counter(ANSWERED.findall(log))
    m = SUMMARY.search(log)
    assert m, f"no summary in the client's log:\n{log}"
    summary: Counter[str] = Counter()
    for item in m.group(1).split():
        pod, _, n = item.rpartition("=")
        summary[pod] = int(n)
    return per_call, summary


def served_from(log: str, client_ip: str) -> int:
    """How many calls a stand-in server's log says came from ``client_ip``."""
    return len(re.findall(rf"^served call from {re.escape(client_ip)}:\d+$", log, re.MULTILINE))
