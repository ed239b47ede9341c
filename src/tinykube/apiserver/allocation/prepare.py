"""Service updates before validation: keep what was allocated, drop what a new type frees.

Ports of three kube-apiserver steps that run on every Service update, in place:

* ``patch_allocated_values`` (storage.go ``patchAllocatedValues``): a PUT or apply that
  leaves out ``clusterIP(s)``, a port's ``nodePort`` or ``healthCheckNodePort`` keeps the
  allocated value while the type still needs it, so re-applying the original YAML works;
* ``normalize_cluster_ips`` (``normalizeClusterIPs``): keep ``clusterIP`` and
  ``clusterIPs`` in step, whichever one the client set;
* ``drop_type_dependent_fields`` (strategy.go ``dropTypeDependentFields``): on a type
  change, clear the fields the new type cannot have — clusterIPs for ExternalName,
  nodePorts when leaving NodePort/LoadBalancer, the health-check port, LoadBalancer-only
  fields, ``externalTrafficPolicy`` — but only when the user did not also change them
  (then validation reports the conflict). What is cleared here is released by the
  allocation transaction once the write commits.
"""

from __future__ import annotations

from tinykube.api.meta import Obj
from tinykube.apiserver.allocation import shape
from tinykube.apiserver.allocation.shape import set_or_drop


def same_cluster_ips(old: Obj, new: Obj) -> bool:
    """Both ``clusterIP`` and ``clusterIPs`` unchanged (the strategy's test)."""
    return shape.cluster_ip(old) == shape.cluster_ip(new) and same_cluster_ips_plural(old, new)


def same_cluster_ips_plural(old: Obj, new: Obj) -> bool:
    """``clusterIPs`` unchanged (the storage layer's test)."""
    return shape.cluster_ips(old) == shape.cluster_ips(new)


def patch_allocated_values(new: Obj, old: Obj) -> None:
    """Fill values the update left out from what ``old`` was allocated."""
    spec, old_spec = shape.spec(new), old.get("spec") or {}
    if shape.needs_cluster_ip(old) and shape.needs_cluster_ip(new):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if shape.needs_node_port(old) and shape.needs_node_port(new):
        _patch_node_ports(new, old)
    if shape.needs_health_check(old) and shape.needs_health_check(new):
        old_hc = shape.health_check_node_port(old)
        if not shape.health_check_node_port(new) and old_hc:
            spec["healthCheckNodePort"] = old_hc


def _patch_node_ports(new: Obj, old: Obj) -> None:
    # Values the update kept somewhere must not be copied onto a second port.
    used = set(shape.node_ports(old)) & set(shape.node_ports(new))
    by_name = {str(p.get("name") or ""): shape.node_port(p) for p in shape.ports(old)}
    for port in shape.ports(new):
        if shape.node_port(port):
            continue
        old_value = by_name.get(str(port.get("name") or ""), 0)
        if old_value and old_value not in used:
            port["nodePort"] = old_value


def normalize_cluster_ips(new: Obj, old: Obj | None) -> None:
    """Make ``clusterIP`` and ``clusterIPs`` agree, as ``normalizeClusterIPs`` does."""
    spec = shape.spec(new)
    ip, ips = shape.cluster_ip(new), shape.cluster_ips(new)
    if old is None:
        if ip and not ips:
            spec["clusterIPs"] = [ip]
        return
    old_ip, old_ips = shape.cluster_ip(old), shape.cluster_ips(old)
    if old_ips and not ips and old_ip == ip:
        spec["clusterIPs"] = list(old_ips)  # a client that only knows clusterIP
    if old_ip != ip:
        if old_ip and not ip:
            if same_cluster_ips_plural(old, new):
                spec.pop("clusterIPs", None)  # clearing clusterIP clears both
        elif same_cluster_ips_plural(old, new):
            spec["clusterIPs"] = [ip]


def drop_type_dependent_fields(new: Obj, old: Obj) -> None:
    """Clear what the new type cannot have, where the user left it as it was."""
    spec, old_spec = shape.spec(new), old.get("spec") or {}
    if shape.needs_cluster_ip(old) and not shape.needs_cluster_ip(new):
        if same_cluster_ips(old, new):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if shape.ip_families(old) == shape.ip_families(new):
            spec.pop("ipFamilies", None)
        if shape.ip_family_policy(old) == shape.ip_family_policy(new):
            spec.pop("ipFamilyPolicy", None)
    if (
        shape.needs_node_port(old)
        and not shape.needs_node_port(new)
        and set(shape.node_ports(new)) <= set(shape.node_ports(old))
    ):
        for port in shape.ports(new):
            port.pop("nodePort", None)
    if (
        shape.needs_health_check(old)
        and not shape.needs_health_check(new)
        and shape.health_check_node_port(old) == shape.health_check_node_port(new)
    ):
        spec.pop("healthCheckNodePort", None)
    _drop_load_balancer_fields(new, old, spec, old_spec)
    if (
        shape.externally_accessible(old)
        and not shape.externally_accessible(new)
        and shape.external_traffic_policy(old) == shape.external_traffic_policy(new)
    ):
        spec.pop("externalTrafficPolicy", None)
    if shape.svc_type(new) != "LoadBalancer" and isinstance(new.get("status"), dict):
        new["status"]["loadBalancer"] = {}


def _drop_load_balancer_fields(
    new: Obj, old: Obj, spec: dict[str, object], old_spec: dict[str, object]
) -> None:
    if shape.svc_type(old) != "LoadBalancer" or shape.svc_type(new) == "LoadBalancer":
        return
    new_alloc, old_alloc = spec.get("allocateLoadBalancerNodePorts"), old_spec.get(
        "allocateLoadBalancerNodePorts"
    )
    if new_alloc is not None and old_alloc is not None and new_alloc == old_alloc:
        spec.pop("allocateLoadBalancerNodePorts", None)
    if spec.get("loadBalancerClass") == old_spec.get("loadBalancerClass"):
        set_or_drop(spec, "loadBalancerClass", None)


def prepare_update(new: Obj, old: Obj) -> None:
    """All three steps, in kube-apiserver's order, before the update is validated."""
    patch_allocated_values(new, old)
    normalize_cluster_ips(new, old)
    drop_type_dependent_fields(new, old)
