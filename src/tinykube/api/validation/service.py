"""Service validation: kube-apiserver's ``ValidateService`` and ``ValidateServiceUpdate``.

Field-level rules only. Whether a requested ClusterIP lies in the service CIDR or is taken,
and whether a nodePort is free, are the allocator's questions (``apiserver/allocation``).
Validation sees the object after defaulting; like Kubernetes, which syncs ``clusterIP`` and
``clusterIPs`` before validating, the rules read a normalized view of the two fields
(``cluster_ips_view``), so a client may set either one. A ``healthCheckNodePort`` the
allocator has not chosen yet is not reported missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.govalue import GoText, nil_pointer, quote, struct
from tinykube.api.validation.ip import (
    is_ipv6,
    is_valid_cidr,
    is_valid_ip,
    parse_ip_sloppy,
    unmapped,
    validate_non_special_ip,
)
from tinykube.api.validation.metadata import (
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from tinykube.api.validation.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns1035_label,
)
from tinykube.errors import Cause

CLUSTER_IP_NONE = "None"
MAX_CLIENT_IP_AFFINITY_SECONDS = 86400
LB_SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
TOPOLOGY_AWARE_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints"
TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode"

PROTOCOLS = ("SCTP", "TCP", "UDP")
TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_FAMILIES = ("IPv4", "IPv6")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
TRAFFIC_DISTRIBUTIONS = ("PreferClose", "PreferSameNode", "PreferSameZone")
_ONLY_LB = "may only be used when `type` is 'LoadBalancer'"
_NOT_FOR_EXTERNAL_NAME = "may not be set for ExternalName services"
_NO_CHANGE = "may not change once set"


# --------------------------------------------------------------------------- helpers


def externally_accessible(spec: Mapping[str, Any]) -> bool:
    kind = access.text(spec, "type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and bool(access.texts(spec, "externalIPs"))
    )


def needs_health_check(spec: Mapping[str, Any]) -> bool:
    return (
        access.text(spec, "type") == "LoadBalancer"
        and access.text(spec, "externalTrafficPolicy") == "Local"
    )


def cluster_ips_view(
    spec: Mapping[str, Any], old_spec: Mapping[str, Any] | None = None
) -> tuple[str, list[str]]:
    """``clusterIP`` and ``clusterIPs`` as the registry syncs them before validating.

    Mirrors ``normalizeClusterIPs``: a client that sets only one field, clears both, or
    changes only ``clusterIP`` is understood; both set and different stays a conflict.
    """
    ip, ips = access.text(spec, "clusterIP"), access.texts(spec, "clusterIPs")
    if old_spec is not None:
        old_ip, old_ips = cluster_ips_view(old_spec)
        if old_ips and not ips and old_ip == ip:
            ips = old_ips
        if old_ip != ip:
            if old_ip and not ip and ips == old_ips:
                ips = []
            if ip and ips == old_ips:
                ips = [ip]
    if ip and not ips:
        ips = [ip]
    if ips and not ip:
        ip = ips[0]
    return ip, ips


def _is_headless(ips: Sequence[str]) -> bool:
    return len(ips) == 1 and ips[0] == CLUSTER_IP_NONE


def _service_port_key(protocol: str, port: int) -> GoText:
    """``%#v`` of the ``core.ServicePort{Protocol, Port}`` key Kubernetes reports."""
    return struct(
        "core.ServicePort",
        [
            ("Name", '""'),
            ("Protocol", quote(protocol)),
            ("AppProtocol", nil_pointer("string")),
            ("Port", str(port)),
            ("TargetPort", 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}'),
            ("NodePort", "0"),
        ],
    )


def validate_port_num_or_name(value: int | str, path: str) -> list[Cause]:
    """``ValidatePortNumOrName``: 1-65535, or an IANA service name."""
    if isinstance(value, str):
        return field.invalid_each(path, value, is_valid_port_name(value))
    return field.invalid_each(path, value, is_valid_port_num(value))


# --------------------------------------------------------------------------- create


def validate_service(svc: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[Cause]:
    spec = access.obj(svc, "spec")
    old_spec = access.obj(old, "spec") if old is not None else None
    ip, ips = cluster_ips_view(spec, old_spec)
    errs = validate_object_meta(svc, True, name_is_dns1035_label)
    errs += _validate_topology_annotations(svc)
    errs += _validate_type_specifics(spec, ips)
    errs += _validate_ports(spec)
    if access.has(spec, "selector"):
        errs += validate_labels(access.string_map(spec, "selector"), "spec.selector")
    errs += _validate_session_affinity(spec)
    errs += validate_cluster_ips_related_fields(spec, ip, ips)
    errs += _validate_external_ips(spec)
    errs += _validate_type(spec)
    errs += _validate_node_ports(spec)
    errs += _validate_source_ranges(svc, spec)
    errs += _validate_load_balancer_fields(spec)
    errs += _validate_external_traffic_policy(spec)
    errs += _validate_internal_traffic_policy(spec)
    errs += _validate_traffic_distribution(spec)
    return errs


def _validate_topology_annotations(svc: Mapping[str, Any]) -> list[Cause]:
    annotations = access.string_map(access.obj(svc, "metadata"), "annotations")
    hints = annotations.get(TOPOLOGY_AWARE_HINTS_ANNOTATION)
    mode = annotations.get(TOPOLOGY_MODE_ANNOTATION)
    if hints is not None and mode is not None and hints != mode:
        return [
            field.invalid(
                f"metadata.annotations[{TOPOLOGY_MODE_ANNOTATION}]",
                mode,
                f"must match annotations[{TOPOLOGY_AWARE_HINTS_ANNOTATION}] when both are "
                "specified",
            )
        ]
    return []


def _validate_type_specifics(spec: Mapping[str, Any], ips: Sequence[str]) -> list[Cause]:
    errs: list[Cause] = []
    kind = access.text(spec, "type")
    if not access.objs(spec, "ports") and not _is_headless(ips) and kind != "ExternalName":
        errs.append(field.required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and _is_headless(ips):
        errs.append(
            field.invalid(
                "spec.clusterIPs[0]", ips[0], f"may not be set to 'None' for {kind} services"
            )
        )
    if kind == "ExternalName":
        if ips:
            errs.append(field.forbidden("spec.clusterIPs", _NOT_FOR_EXTERNAL_NAME))
        if access.texts(spec, "ipFamilies"):
            errs.append(field.forbidden("spec.ipFamilies", _NOT_FOR_EXTERNAL_NAME))
        if access.has(spec, "ipFamilyPolicy"):
            errs.append(field.forbidden("spec.ipFamilyPolicy", _NOT_FOR_EXTERNAL_NAME))
        cname = access.text(spec, "externalName").removesuffix(".")
        if cname:
            errs += field.invalid_each("spec.externalName", cname, is_dns1123_subdomain(cname))
        else:
            errs.append(field.required("spec.externalName"))
    return errs


def _validate_ports(spec: Mapping[str, Any]) -> list[Cause]:
    ports = access.objs(spec, "ports")
    names: set[str] = set()
    errs: list[Cause] = []
    for i, port in enumerate(ports):
        errs += _validate_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    return errs


def _validate_port(
    port: Mapping[str, Any], require_name: bool, names: set[str], path: str
) -> list[Cause]:
    errs: list[Cause] = []
    name = access.text(port, "name")
    if require_name and not name:
        errs.append(field.required(f"{path}.name"))
    elif name:
        errs += field.invalid_each(f"{path}.name", name, is_dns1123_label(name))
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
    number = access.num(port, "port")
    errs += field.invalid_each(f"{path}.port", number, is_valid_port_num(number))
    errs += _validate_protocol(access.text(port, "protocol"), f"{path}.protocol")
    target = access.int_or_string(port, "targetPort")
    errs += validate_port_num_or_name(target, f"{path}.targetPort")
    app_protocol = access.opt_text(port, "appProtocol")
    if app_protocol is not None:
        errs += field.invalid_each(
            f"{path}.appProtocol", app_protocol, is_qualified_name(app_protocol)
        )
    return errs


def _validate_protocol(protocol: str, path: str) -> list[Cause]:
    if not protocol:
        return [field.required(path)]
    if protocol not in PROTOCOLS:
        return [field.not_supported(path, protocol, PROTOCOLS)]
    return []


def _validate_session_affinity(spec: Mapping[str, Any]) -> list[Cause]:
    affinity = access.text(spec, "sessionAffinity")
    if not affinity:
        return [field.required("spec.sessionAffinity")]
    if affinity not in AFFINITIES:
        return [field.not_supported("spec.sessionAffinity", affinity, AFFINITIES)]
    path = "spec.sessionAffinityConfig"
    config = access.opt_obj(spec, "sessionAffinityConfig")
    if affinity == "None":
        if config is not None:
            return [field.forbidden(path, "must not be set when session affinity is None")]
        return []
    when = "when session affinity type is ClientIP"
    if config is None:
        return [field.required(path, when)]
    client_ip = access.opt_obj(config, "clientIP")
    if client_ip is None:
        return [field.required(f"{path}.clientIP", when)]
    timeout = access.opt_num(client_ip, "timeoutSeconds")
    if timeout is None:
        return [field.required(f"{path}.clientIP.timeoutSeconds", when)]
    if not 0 < timeout <= MAX_CLIENT_IP_AFFINITY_SECONDS:
        return [
            field.invalid(
                f"{path}.clientIP.timeoutSeconds",
                timeout,
                f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}",
            )
        ]
    return []


def validate_cluster_ips_related_fields(
    spec: Mapping[str, Any], ip: str, ips: Sequence[str]
) -> list[Cause]:
    """``ValidateServiceClusterIPsRelatedFields`` on the normalized IPs."""
    if access.text(spec, "type") == "ExternalName":
        return []
    errs: list[Cause] = []
    if ip and ips and ips[0] != ip:
        detail = "first value must match `clusterIP`"
        errs.append(field.invalid("spec.clusterIPs", list(ips), detail))
    families = access.texts(spec, "ipFamilies")
    seen: set[str] = set()
    for i, family in enumerate(families):
        if family not in IP_FAMILIES:
            errs.append(field.not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
        if family in seen:
            errs.append(field.duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = access.opt_text(spec, "ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errs.append(field.not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    has_invalid = False
    for i, cluster_ip in enumerate(ips):
        if i == 0 and cluster_ip == CLUSTER_IP_NONE:
            if len(ips) > 1:
                has_invalid = True
                errs.append(
                    field.invalid(
                        "spec.clusterIPs", list(ips), "'None' must be the first and only value"
                    )
                )
            continue
        bad = is_valid_ip(f"spec.clusterIPs[{i}]", cluster_ip)
        has_invalid = has_invalid or bool(bad)
        errs += bad
    if len(ips) > 2:
        errs.append(field.invalid("spec.clusterIPs", list(ips), "may only hold up to 2 values"))
    if has_invalid:
        return errs
    if len(ips) > 1 and not _dual_stack(ips):
        errs.append(
            field.invalid(
                "spec.clusterIPs", list(ips), "may specify no more than one IP for each IP family"
            )
        )
    if not _is_headless(ips):
        errs += _match_families(ips, families)
    return errs


def _dual_stack(ips: Sequence[str]) -> bool:
    versions = [unmapped(a).version for a in map(parse_ip_sloppy, ips) if a is not None]
    return len(versions) == 2 and versions[0] != versions[1]


def _match_families(ips: Sequence[str], families: Sequence[str]) -> list[Cause]:
    errs: list[Cause] = []
    for i, (cluster_ip, family) in enumerate(zip(ips, families, strict=False)):
        v6 = is_ipv6(cluster_ip)
        if family == "IPv4" and v6:
            detail = f"expected an IPv4 value as indicated by `ipFamilies[{i}]`"
            errs.append(field.invalid(f"spec.clusterIPs[{i}]", cluster_ip, detail))
        if family == "IPv6" and not v6:
            detail = f"expected an IPv6 value as indicated by `ipFamilies[{i}]`"
            errs.append(field.invalid(f"spec.clusterIPs[{i}]", cluster_ip, detail))
    return errs


def _validate_external_ips(spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    for i, external_ip in enumerate(access.texts(spec, "externalIPs")):
        path = f"spec.externalIPs[{i}]"
        errs += is_valid_ip(path, external_ip) or validate_non_special_ip(path, external_ip)
    return errs


def _validate_type(spec: Mapping[str, Any]) -> list[Cause]:
    kind = access.text(spec, "type")
    if not kind:
        return [field.required("spec.type")]
    if kind not in TYPES:
        return [field.not_supported("spec.type", kind, TYPES)]
    return []


def _validate_node_ports(spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    ports = access.objs(spec, "ports")
    if access.text(spec, "type") == "ClusterIP":
        for i, port in enumerate(ports):
            if access.num(port, "nodePort") != 0:
                errs.append(
                    field.forbidden(
                        f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                    )
                )
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        node_port = access.num(port, "nodePort")
        if node_port == 0:
            continue
        key = (access.text(port, "protocol"), node_port)
        if key in node_ports:
            errs.append(field.duplicate(f"spec.ports[{i}].nodePort", node_port))
        node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (access.text(port, "protocol"), access.num(port, "port"))
        if key in seen:
            errs.append(field.duplicate(f"spec.ports[{i}]", _service_port_key(*key)))
        seen.add(key)
    return errs


def _validate_source_ranges(svc: Mapping[str, Any], spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    is_lb = access.text(spec, "type") == "LoadBalancer"
    ranges = access.texts(spec, "loadBalancerSourceRanges")
    annotations = access.string_map(access.obj(svc, "metadata"), "annotations")
    if ranges:
        path = "spec.LoadBalancerSourceRanges"
        if not is_lb:
            errs.append(field.forbidden(path, _ONLY_LB))
        for i, value in enumerate(ranges):
            errs += is_valid_cidr(f"{path}[{i}]", value.strip())
    elif LB_SOURCE_RANGES_ANNOTATION in annotations:
        path = f"metadata.annotations[{LB_SOURCE_RANGES_ANNOTATION}]"
        if not is_lb:
            errs.append(field.forbidden(path, _ONLY_LB))
        value = annotations[LB_SOURCE_RANGES_ANNOTATION].strip()
        if value:
            for cidr in value.split(","):
                errs += is_valid_cidr(path, cidr.strip())
    return errs


def _validate_load_balancer_fields(spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    is_lb = access.text(spec, "type") == "LoadBalancer"
    if access.has(spec, "allocateLoadBalancerNodePorts") and not is_lb:
        errs.append(field.forbidden("spec.allocateLoadBalancerNodePorts", _ONLY_LB))
    if is_lb and not access.has(spec, "allocateLoadBalancerNodePorts"):
        # Kubernetes reports this path without the "spec." prefix.
        errs.append(field.required("allocateLoadBalancerNodePorts"))
    lb_class = access.opt_text(spec, "loadBalancerClass")
    if lb_class is not None:
        if is_lb:
            errs += field.invalid_each(
                "spec.loadBalancerClass", lb_class, is_qualified_name(lb_class)
            )
        else:
            errs.append(field.forbidden("spec.loadBalancerClass", _ONLY_LB))
    return errs


def _validate_external_traffic_policy(spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    policy = access.text(spec, "externalTrafficPolicy")
    path = "spec.externalTrafficPolicy"
    if not externally_accessible(spec):
        if policy:
            errs.append(
                field.invalid(path, policy, "may only be set for externally-accessible services")
            )
    elif not policy:
        errs.append(field.required(path))
    elif policy not in TRAFFIC_POLICIES:
        errs.append(field.not_supported(path, policy, TRAFFIC_POLICIES))
    hc_port = access.num(spec, "healthCheckNodePort")
    hc_path = "spec.healthCheckNodePort"
    if not needs_health_check(spec):
        if hc_port != 0:
            errs.append(
                field.invalid(
                    hc_path,
                    hc_port,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` "
                    "is 'Local'",
                )
            )
    elif hc_port != 0:
        errs += field.invalid_each(hc_path, hc_port, is_valid_port_num(hc_port))
    return errs


def _validate_internal_traffic_policy(spec: Mapping[str, Any]) -> list[Cause]:
    path = "spec.internalTrafficPolicy"
    policy = access.opt_text(spec, "internalTrafficPolicy")
    if policy is None:
        if access.text(spec, "type") in ("ClusterIP", "NodePort", "LoadBalancer"):
            return [field.required(path)]
        return []
    if policy not in TRAFFIC_POLICIES:
        return [field.not_supported(path, policy, TRAFFIC_POLICIES)]
    return []


def _validate_traffic_distribution(spec: Mapping[str, Any]) -> list[Cause]:
    value = access.opt_text(spec, "trafficDistribution")
    if value is not None and value not in TRAFFIC_DISTRIBUTIONS:
        return [field.not_supported("spec.trafficDistribution", value, TRAFFIC_DISTRIBUTIONS)]
    return []


# --------------------------------------------------------------------------- update


def validate_service_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    spec, old_spec = access.obj(new, "spec"), access.obj(old, "spec")
    errs = validate_object_meta_update(new, old)
    errs += _upgrade_downgrade_cluster_ips(spec, old_spec)
    errs += _upgrade_downgrade_families(spec, old_spec)
    errs += _load_balancer_class_update(spec, old_spec)
    hc_changed = access.num(spec, "healthCheckNodePort") != access.num(
        old_spec, "healthCheckNodePort"
    )
    if needs_health_check(old_spec) and needs_health_check(spec) and hc_changed:
        errs.append(field.forbidden("spec.healthCheckNodePort", field.IMMUTABLE))
    return errs + validate_service(new, old)


def _upgrade_downgrade_cluster_ips(
    spec: Mapping[str, Any], old_spec: Mapping[str, Any]
) -> list[Cause]:
    """``validateUpgradeDowngradeClusterIPs``: the primary IP never changes or goes away."""
    if "ExternalName" in (access.text(spec, "type"), access.text(old_spec, "type")):
        return []
    _, ips = cluster_ips_view(spec, old_spec)
    _, old_ips = cluster_ips_view(old_spec)
    if _is_headless(ips) and _is_headless(old_ips):
        return []
    errs: list[Cause] = []
    if len(old_ips) == len(ips):
        for i, old_ip in enumerate(old_ips):
            if old_ip != ips[i]:
                errs.append(field.invalid(f"spec.clusterIPs[{i}]", list(ips), _NO_CHANGE))
    elif len(old_ips) > len(ips):
        if not ips:
            errs.append(
                field.invalid("spec.clusterIPs[0]", list(ips), "primary clusterIP can not be unset")
            )
        elif ips[0] != old_ips[0]:
            errs.append(field.invalid("spec.clusterIPs[0]", list(ips), _NO_CHANGE))
        if len(ips) == 1 and access.opt_text(spec, "ipFamilyPolicy") != "SingleStack":
            errs.append(
                field.invalid(
                    "spec.ipFamilyPolicy",
                    access.opt_text(spec, "ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary clusterIP",
                )
            )
    elif old_ips and ips[0] != old_ips[0]:
        errs.append(field.invalid("spec.clusterIPs[0]", list(ips), _NO_CHANGE))
    return errs


def _upgrade_downgrade_families(
    spec: Mapping[str, Any], old_spec: Mapping[str, Any]
) -> list[Cause]:
    """``validateUpgradeDowngradeIPFamilies``: the primary family never changes."""
    if "ExternalName" in (access.text(spec, "type"), access.text(old_spec, "type")):
        return []
    _, ips = cluster_ips_view(spec, old_spec)
    _, old_ips = cluster_ips_view(old_spec)
    if _is_headless(ips) or _is_headless(old_ips):
        return []
    families, old_families = access.texts(spec, "ipFamilies"), access.texts(old_spec, "ipFamilies")
    path = "spec.ipFamilies[0]"
    errs: list[Cause] = []
    if len(old_families) == len(families):
        errs += [
            field.invalid(path, list(families), _NO_CHANGE)
            for old_family, family in zip(old_families, families, strict=True)
            if old_family != family
        ]
    elif len(old_families) > len(families):
        if not ips:
            errs.append(field.invalid(path, list(families), "primary ipFamily can not be unset"))
        if families and families[0] != old_families[0]:
            errs.append(field.invalid(path, list(ips), _NO_CHANGE))
        if len(families) == 1 and access.opt_text(spec, "ipFamilyPolicy") != "SingleStack":
            errs.append(
                field.invalid(
                    "spec.ipFamilyPolicy",
                    access.opt_text(spec, "ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary ipFamily",
                )
            )
    elif old_families and families and families[0] != old_families[0]:
        errs.append(field.invalid(path, list(ips), _NO_CHANGE))
    return errs


def _load_balancer_class_update(
    spec: Mapping[str, Any], old_spec: Mapping[str, Any]
) -> list[Cause]:
    both_lb = access.text(spec, "type") == access.text(old_spec, "type") == "LoadBalancer"
    new_class = access.opt_text(spec, "loadBalancerClass")
    if both_lb and new_class != access.opt_text(old_spec, "loadBalancerClass"):
        return [field.invalid("spec.loadBalancerClass", new_class, _NO_CHANGE)]
    return []
