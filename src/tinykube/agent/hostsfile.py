"""A pod's hostname, domain and /etc/hosts, as the kubelet makes them.

The hostname is ``spec.hostname`` or the pod's name (at most 63 characters); with
``spec.subdomain`` the pod's domain is ``<subdomain>.<ns>.svc.<zone>``, and the hosts file
maps the pod's IP to ``<hostname>.<domain>`` first and ``<hostname>`` second, which is
what makes ``hostname -f`` print the FQDN. ``hostAliases`` follow under their own header.
A pod on the host network has the node's name. Pure; the kubelet's wording.
"""

from __future__ import annotations

from tinykube.api.meta import Obj

MAX_HOSTNAME = 63
HEADER = (
    "# Kubernetes-managed hosts file.\n"
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "fe00::0\tip6-mcastprefix\n"
    "fe00::1\tip6-allnodes\n"
    "fe00::2\tip6-allrouters\n"
)


def hostname(pod: Obj, node_name: str = "") -> str:
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork") and node_name:
        return node_name
    name = spec.get("hostname") or (pod.get("metadata") or {}).get("name") or ""
    return str(name)[:MAX_HOSTNAME].rstrip("-.")


def domain(pod: Obj, cluster_domain: str) -> str:
    """``<subdomain>.<ns>.svc.<zone>`` when the pod has a subdomain, else empty."""
    spec = pod.get("spec") or {}
    sub = spec.get("subdomain")
    if not sub or spec.get("hostNetwork"):
        return ""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    return f"{sub}.{ns}.svc.{cluster_domain}"


def fqdn(pod: Obj, cluster_domain: str, node_name: str = "") -> str:
    host, dom = hostname(pod, node_name), domain(pod, cluster_domain)
    return f"{host}.{dom}" if dom else host


def render(pod: Obj, ips: list[str], cluster_domain: str, node_name: str = "") -> str:
    host, dom = hostname(pod, node_name), domain(pod, cluster_domain)
    out = [HEADER]
    for ip in ips:
        out.append(f"{ip}\t{host}.{dom}\t{host}\n" if dom else f"{ip}\t{host}\n")
    aliases = (pod.get("spec") or {}).get("hostAliases") or []
    if aliases:
        out.append("\n# Entries added by HostAliases.\n")
        for alias in aliases:
            names = "\t".join(str(n) for n in alias.get("hostnames") or [])
            out.append(f"{alias.get('ip', '')}\t{names}\n")
    return "".join(out)
