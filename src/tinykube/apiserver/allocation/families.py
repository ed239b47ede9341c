"""``ipFamilies`` and ``ipFamilyPolicy`` on a single-stack cluster (``initIPFamilyFields``).

Families are set by allocation, not by defaulting: a new Service gets ``SingleStack``
and the cluster's family; an update keeps the old policy when it names none; a headless
Service without a selector gets ``RequireDualStack`` (Kubernetes' special case) but only
the one family this cluster has. ExternalName Services get neither. Asking for a family
or for dual-stack the cluster lacks is a 422 with Kubernetes' words.
"""

from __future__ import annotations

from tinykube.api.meta import Obj
from tinykube.apiserver.allocation import shape
from tinykube.apiserver.allocation.causes import invalid_value, rejected
from tinykube.apiserver.allocation.ipallocator import family_of
from tinykube.apiserver.allocation.prepare import same_cluster_ips_plural
from tinykube.errors import Cause

SINGLE = "SingleStack"
PREFER_DUAL = "PreferDualStack"
REQUIRE_DUAL = "RequireDualStack"


def _matching_prefer_dual_stack(new: Obj, old: Obj | None) -> bool:
    """An unchanged PreferDualStack Service is left as it is (no silent up/downgrade)."""
    return (
        old is not None
        and shape.svc_type(old) == shape.svc_type(new)
        and shape.ip_family_policy(new) == PREFER_DUAL
        and shape.ip_family_policy(old) == PREFER_DUAL
        and same_cluster_ips_plural(old, new)
        and shape.ip_families(old) == shape.ip_families(new)
    )


def _default_policy(new: Obj, old: Obj | None) -> str:
    if old is not None and shape.ip_family_policy(old):
        return shape.ip_family_policy(old)
    if shape.cluster_ip(new) == shape.NONE_IP and not shape.has_selector(new):
        return REQUIRE_DUAL
    return SINGLE


def _update_causes(new: Obj, old: Obj, policy: str) -> list[Cause]:
    spec = shape.spec(new)
    ips, families = shape.cluster_ips(new), shape.ip_families(new)
    if policy == SINGLE:
        if same_cluster_ips_plural(old, new) and len(ips) > 1:
            spec["clusterIPs"] = ips[:1]
        if shape.ip_families(old) == families and len(families) > 1:
            spec["ipFamilies"] = families[:1]
        return []
    causes = []
    if ips and len(ips) < len(shape.cluster_ips(old)):
        causes.append(invalid_value("spec.ipFamilyPolicy", policy,
                                    "must be 'SingleStack' to release the secondary cluster IP"))
    if families and len(families) < len(shape.ip_families(old)):
        causes.append(invalid_value("spec.ipFamilyPolicy", policy,
                                    "must be 'SingleStack' to release the secondary IP family"))
    return causes


def _policy_causes(new: Obj, policy: str) -> list[Cause]:
    if policy != SINGLE:
        return []
    causes = []
    if len(shape.cluster_ips(new)) == 2:
        causes.append(invalid_value("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' "
                                    "or 'PreferDualStack' when multiple cluster IPs are specified"))
    if len(shape.ip_families(new)) == 2:
        causes.append(invalid_value("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' "
                                    "or 'PreferDualStack' when multiple IP families are specified"))
    return causes


def _infer_families(new: Obj, cluster_family: str) -> list[Cause]:
    """Add the family of each given clusterIP that ``ipFamilies`` does not name yet."""
    ips, families = shape.cluster_ips(new), shape.ip_families(new)
    causes = []
    for i, ip in enumerate(ips):
        if ip == shape.NONE_IP:
            break
        family = family_of(ip)
        if family is None or i < len(families):
            continue
        if family != cluster_family:
            causes.append(invalid_value(f"spec.clusterIPs[{i}]", ips,
                                        f"{family} is not configured on this cluster"))
        else:
            families.append(family)
    if families:
        shape.spec(new)["ipFamilies"] = families
    return causes


def _cluster_causes(new: Obj, policy: str, cluster_family: str) -> list[Cause]:
    causes = []
    if policy == REQUIRE_DUAL:
        causes.append(invalid_value("spec.ipFamilyPolicy", policy,
                                    "this cluster is not configured for dual-stack services"))
    for i, family in enumerate(shape.ip_families(new)):
        if family != cluster_family:
            causes.append(invalid_value(f"spec.ipFamilies[{i}]", family,
                                        "not configured on this cluster"))
    return causes


def init_ip_family_fields(new: Obj, old: Obj | None, cluster_family: str) -> None:
    """Set ``ipFamilyPolicy`` and ``ipFamilies`` in place; raises ``Invalid`` (422)."""
    if not shape.needs_cluster_ip(new) or _matching_prefer_dual_stack(new, old):
        return
    spec = shape.spec(new)
    policy = shape.ip_family_policy(new) or _default_policy(new, old)
    spec["ipFamilyPolicy"] = policy
    causes = _update_causes(new, old, policy) if old is not None else []
    causes += _policy_causes(new, policy)
    causes += _infer_families(new, cluster_family)
    if causes:
        raise rejected(new, causes)
    if shape.cluster_ip(new) == shape.NONE_IP and not shape.has_selector(new):
        # Headless and selectorless: any families are allowed; this cluster has one.
        if not shape.ip_families(new):
            spec["ipFamilies"] = [cluster_family]
        return
    causes = _cluster_causes(new, policy, cluster_family)
    if causes:
        raise rejected(new, causes)
    if not shape.ip_families(new):
        spec["ipFamilies"] = [cluster_family]
