"""A pod's /etc/resolv.conf, from its dnsPolicy and dnsConfig (dns-spec §6, R30).

Pure: the node's resolver configuration comes in as a parsed ``ResolvConf``, the pod as
its object, and the file comes out as text, rendered as containerd writes it
(``search``, ``nameserver`` lines, ``options``). The kubelet's rules:

- ClusterFirst (also when unset): the cluster DNS servers, ``<ns>.svc.<zone> svc.<zone>
  <zone>`` followed by the node's search domains, ``options ndots:5``;
- ClusterFirst with ``hostNetwork`` falls back to Default; ClusterFirstWithHostNet does not;
- Default: the node's file as is; None: an empty base;
- ``dnsConfig`` is appended: nameservers and searches without duplicates, options merged
  by name with the pod's value winning; at most 3 nameservers, 32 search domains and 2048
  characters of search list are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinykube.api.meta import Obj

MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
MAX_SEARCH_CHARS = 2048
CLUSTER_OPTIONS = ("ndots:5",)


@dataclass(frozen=True)
class ResolvConf:
    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    def render(self) -> str:
        lines = []
        if self.searches:
            lines.append("search " + " ".join(self.searches))
        lines += [f"nameserver {ns}" for ns in self.nameservers]
        if self.options:
            lines.append("options " + " ".join(self.options))
        return "".join(line + "\n" for line in lines)


def parse(text: str) -> ResolvConf:
    """The nameservers, search list and options of a resolv.conf (the last search wins)."""
    nameservers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    for raw in text.splitlines():
        fields = raw.split("#", 1)[0].split(";", 1)[0].split()
        if not fields:
            continue
        if fields[0] == "nameserver" and len(fields) > 1:
            nameservers.append(fields[1])
        elif fields[0] == "search":
            searches = [s.rstrip(".") for s in fields[1:] if s != "."]
        elif fields[0] == "options":
            options += fields[1:]
    return ResolvConf(tuple(nameservers), tuple(searches), tuple(options))


def policy(pod: Obj) -> str:
    """The effective policy: ClusterFirst, Default or None."""
    spec = pod.get("spec") or {}
    declared = spec.get("dnsPolicy") or "ClusterFirst"
    if declared == "ClusterFirstWithHostNet":
        return "ClusterFirst"
    if declared == "ClusterFirst" and spec.get("hostNetwork"):
        return "Default"
    return str(declared)


def for_pod(pod: Obj, *, cluster_dns: tuple[str, ...], domain: str,
            node: ResolvConf) -> ResolvConf:
    """The resolv.conf the pod's containers see."""
    which = policy(pod)
    if which == "ClusterFirst" and not cluster_dns:
        which = "Default"  # the kubelet falls back when no cluster DNS is configured
    if which == "ClusterFirst":
        ns = (pod.get("metadata") or {}).get("namespace") or "default"
        searches = (f"{ns}.svc.{domain}", f"svc.{domain}", domain, *node.searches)
        base = ResolvConf(cluster_dns, _unique(searches), CLUSTER_OPTIONS)
    elif which == "Default":
        base = node
    else:
        base = ResolvConf()
    config = (pod.get("spec") or {}).get("dnsConfig") or {}
    return _fit(_append(base, config))


def _append(base: ResolvConf, config: dict[str, Any]) -> ResolvConf:
    if not config:
        return base
    nameservers = _unique((*base.nameservers, *(config.get("nameservers") or [])))
    searches = _unique((*base.searches, *(config.get("searches") or [])))
    return ResolvConf(nameservers, searches, merge_options(base.options,
                                                           config.get("options") or []))


def merge_options(base: tuple[str, ...], pod_options: list[dict[str, Any]]) -> tuple[str, ...]:
    """Options by name, the pod's value winning; base order first, then the new names."""
    merged: dict[str, str | None] = {}
    for opt in base:
        name, sep, value = opt.partition(":")
        merged[name] = value if sep else None
    for item in pod_options:
        name = str(item.get("name") or "")
        if name:
            given = item.get("value")
            merged[name] = None if given is None else str(given)
    return tuple(name if value is None else f"{name}:{value}" for name, value in merged.items())


def _fit(conf: ResolvConf) -> ResolvConf:
    searches: list[str] = []
    used = 0
    for s in conf.searches[:MAX_SEARCHES]:
        used += len(s) + (1 if searches else 0)
        if used > MAX_SEARCH_CHARS:
            break
        searches.append(s)
    return ResolvConf(conf.nameservers[:MAX_NAMESERVERS], tuple(searches), conf.options)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return tuple(seen)
