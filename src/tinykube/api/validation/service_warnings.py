"""Warnings for Services that are valid but probably not what the user meant.

Kubernetes' ``GetWarningsForService``: the API returns these texts in ``Warning: 299``
headers (kubectl prints ``Warning: <text>``) and still stores the object. Fields ignored for
the service's type, the deprecated ``externalIPs`` and topology annotation, and addresses in
non-standard forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinykube.api.validation import access
from tinykube.api.validation.ip import parse_ip_sloppy, warnings_for_cidr, warnings_for_ip
from tinykube.api.validation.service import (
    CLUSTER_IP_NONE,
    TOPOLOGY_AWARE_HINTS_ANNOTATION,
    TOPOLOGY_MODE_ANNOTATION,
    cluster_ips_view,
)


def service_warnings(svc: Mapping[str, Any]) -> list[str]:
    spec = access.obj(svc, "spec")
    annotations = access.string_map(access.obj(svc, "metadata"), "annotations")
    kind = access.text(spec, "type")
    external_ips = access.texts(spec, "externalIPs")
    lb_ip = access.text(spec, "loadBalancerIP")
    headless = kind == "ClusterIP" and cluster_ips_view(spec)[0] == CLUSTER_IP_NONE
    out: list[str] = []
    if TOPOLOGY_AWARE_HINTS_ANNOTATION in annotations:
        out.append(
            f"annotation {TOPOLOGY_AWARE_HINTS_ANNOTATION} is deprecated, please use "
            f"{TOPOLOGY_MODE_ANNOTATION} instead"
        )
    out += _cluster_ip_warnings(spec)
    if headless:
        if lb_ip:
            out.append("spec.loadBalancerIP is ignored for headless services")
        if external_ips:
            out.append("spec.externalIPs is ignored for headless services")
        if access.text(spec, "sessionAffinity") != "None":
            out.append("spec.SessionAffinity is ignored for headless services")
    for i, external_ip in enumerate(external_ips):
        out += warnings_for_ip(f"spec.externalIPs[{i}]", external_ip)
    if external_ips and not headless and kind != "ExternalName":
        out.append(
            "spec.externalIPs is deprecated and may no longer be implemented in some clusters"
        )
    if lb_ip:
        out += warnings_for_ip("spec.loadBalancerIP", lb_ip)
    for i, cidr in enumerate(access.texts(spec, "loadBalancerSourceRanges")):
        out += warnings_for_cidr(f"spec.loadBalancerSourceRanges[{i}]", cidr)
    if kind == "ExternalName" and external_ips:
        out.append('spec.externalIPs is ignored when spec.type is "ExternalName"')
    if kind != "ExternalName" and access.text(spec, "externalName"):
        out.append('spec.externalName is ignored when spec.type is not "ExternalName"')
    if access.opt_text(spec, "trafficDistribution") == "PreferClose":
        out.append('spec.trafficDistribution: "PreferClose" is deprecated; use "PreferSameZone"')
    return out


def _cluster_ip_warnings(spec: Mapping[str, Any]) -> list[str]:
    ip, ips = cluster_ips_view(spec)
    if not ip or ip == CLUSTER_IP_NONE:
        return []
    out: list[str] = []
    for i, cluster_ip in enumerate(ips):
        if parse_ip_sloppy(cluster_ip) is not None:
            out += warnings_for_ip(f"spec.clusterIPs[{i}]", cluster_ip)
    return out
