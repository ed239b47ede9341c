"""Validation of apps/v1 Deployments, ReplicaSets and StatefulSets.

Each has a required, non-empty label selector that must match its pod template's labels,
non-negative counts, and a pod template validated like a pod spec (reported under
``spec.template.spec``; a StatefulSet's ``volumeClaimTemplates`` count as volumes, and its
``serviceName``, which becomes each pod's subdomain, must be a DNS label). On
update the selector is immutable (apps/v1), and a StatefulSet may change only replicas,
ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
minReadySeconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinykube.api import labels
from tinykube.api.validation import access, field
from tinykube.api.validation.govalue import GoText, struct
from tinykube.api.validation.metadata import (
    label_selector_text,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from tinykube.api.validation.names import (
    is_dns1123_label,
    is_valid_percent,
    name_is_dns_subdomain,
)
from tinykube.api.validation.pod import validate_pod_template_spec
from tinykube.errors import BadRequest, Cause

_NEGATIVE = "must be greater than or equal to 0"
STATEFULSET_UPDATE_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
    "forbidden"
)
_STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
_PVC_POLICIES = ("Delete", "Retain")


def _non_negative(spec: Mapping[str, Any], key: str, path: str) -> list[Cause]:
    value = access.num(spec, key)
    return [field.invalid(f"{path}.{key}", value, _NEGATIVE)] if value < 0 else []


def _selector_and_template(
    spec: Mapping[str, Any], owner: str, title: str, extra_volumes: tuple[str, ...] = ()
) -> list[Cause]:
    """The selector is required and non-empty and matches the template's labels."""
    errs: list[Cause] = []
    sel = access.opt_obj(spec, "selector")
    if sel is None:
        errs.append(field.required("spec.selector"))
    else:
        errs += validate_label_selector(sel, "spec.selector")
        if not access.string_map(sel, "matchLabels") and not access.objs(sel, "matchExpressions"):
            errs.append(
                field.invalid(
                    "spec.selector",
                    label_selector_text(sel),
                    f"empty selector is invalid for {owner}",
                )
            )
    template = access.obj(spec, "template")
    template_labels = access.string_map(access.obj(template, "metadata"), "labels")
    try:
        selector = labels.from_label_selector(sel)
    except BadRequest:
        if sel is not None:
            errs.append(
                field.invalid("spec.selector", label_selector_text(sel), "invalid label selector")
            )
    else:
        if not selector.empty() and not selector.matches(template_labels):
            errs.append(
                field.invalid(
                    "spec.template.metadata.labels",
                    template_labels,
                    "`selector` does not match template `labels`",
                )
            )
    errs += validate_pod_template_spec(template, "spec.template", extra_volumes)
    tspec = access.obj(template, "spec")
    restart = access.text(tspec, "restartPolicy")
    if restart != "Always":
        errs.append(field.not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    if access.has(tspec, "activeDeadlineSeconds"):
        errs.append(
            field.forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {title} is not Supported",
            )
        )
    return errs


def _selector_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    sel = access.opt_obj(access.obj(new, "spec"), "selector")
    old_sel = access.opt_obj(access.obj(old, "spec"), "selector")
    if sel == old_sel:
        return []
    value = label_selector_text(sel) if sel is not None else None
    return [field.invalid("spec.selector", value, field.IMMUTABLE)]


# --------------------------------------------------------------------------- Deployment


def validate_deployment(d: Mapping[str, Any]) -> list[Cause]:
    spec = access.obj(d, "spec")
    errs = validate_object_meta(d, True, name_is_dns_subdomain)
    errs += _non_negative(spec, "replicas", "spec")
    errs += _selector_and_template(spec, "deployment", "ReplicaSet")
    errs += _validate_strategy(access.obj(spec, "strategy"), "spec.strategy")
    errs += _non_negative(spec, "minReadySeconds", "spec")
    errs += _non_negative(spec, "revisionHistoryLimit", "spec")
    deadline = access.opt_num(spec, "progressDeadlineSeconds")
    if deadline is not None:
        errs += _non_negative(spec, "progressDeadlineSeconds", "spec")
        if deadline <= access.num(spec, "minReadySeconds"):
            errs.append(
                field.invalid(
                    "spec.progressDeadlineSeconds",
                    deadline,
                    "must be greater than minReadySeconds",
                )
            )
    return errs


def validate_deployment_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old)
    return errs + validate_deployment(new) + _selector_update(new, old)


def _strategy_text(strategy: Mapping[str, Any]) -> GoText:
    rolling = "(*apps.RollingUpdateDeployment)(nil)"
    if access.has(strategy, "rollingUpdate"):
        rolling = "&apps.RollingUpdateDeployment{...}"
    return struct(
        "apps.DeploymentStrategy",
        [("Type", f'"{access.text(strategy, "type")}"'), ("RollingUpdate", rolling)],
    )


def _validate_strategy(strategy: Mapping[str, Any], path: str) -> list[Cause]:
    kind = access.text(strategy, "type")
    rolling = access.opt_obj(strategy, "rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [
                field.forbidden(
                    f"{path}.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        if rolling is None:
            return [
                field.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")
            ]
        return _validate_rolling_update(rolling, f"{path}.rollingUpdate")
    return [field.not_supported(path, _strategy_text(strategy), ["Recreate", "RollingUpdate"])]


def _int_or_percent_value(value: int | str) -> tuple[int, bool]:
    if isinstance(value, int):
        return value, False
    digits = value.removesuffix("%")
    return (int(digits), True) if digits.isdigit() else (0, True)


def _validate_int_or_percent(value: int | str, path: str) -> list[Cause]:
    if isinstance(value, str):
        return field.invalid_each(path, GoText(value), is_valid_percent(value))
    return [field.invalid(path, value, _NEGATIVE)] if value < 0 else []


def _validate_rolling_update(rolling: Mapping[str, Any], path: str) -> list[Cause]:
    max_unavailable = access.int_or_string(rolling, "maxUnavailable")
    max_surge = access.int_or_string(rolling, "maxSurge")
    errs = _validate_int_or_percent(max_unavailable, f"{path}.maxUnavailable")
    errs += _validate_int_or_percent(max_surge, f"{path}.maxSurge")
    if _int_or_percent_value(max_unavailable)[0] == 0 and _int_or_percent_value(max_surge)[0] == 0:
        errs.append(
            field.invalid(
                f"{path}.maxUnavailable",
                GoText(str(max_unavailable)),
                "may not be 0 when `maxSurge` is 0",
            )
        )
    value, is_percent = _int_or_percent_value(max_unavailable)
    if is_percent and value > 100:
        errs.append(
            field.invalid(
                f"{path}.maxUnavailable",
                GoText(str(max_unavailable)),
                "must not be greater than 100%",
            )
        )
    return errs


# --------------------------------------------------------------------------- ReplicaSet


def validate_replica_set(rs: Mapping[str, Any]) -> list[Cause]:
    spec = access.obj(rs, "spec")
    errs = validate_object_meta(rs, True, name_is_dns_subdomain)
    errs += _non_negative(spec, "replicas", "spec")
    errs += _non_negative(spec, "minReadySeconds", "spec")
    # Kubernetes words the empty-selector error "for deployment" for ReplicaSets too.
    return errs + _selector_and_template(spec, "deployment", "ReplicaSet")


def validate_replica_set_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old)
    return errs + validate_replica_set(new) + _selector_update(new, old)


# --------------------------------------------------------------------------- StatefulSet


def validate_stateful_set(sts: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(sts, True, name_is_dns_subdomain)
    return errs + _validate_stateful_set_spec(access.obj(sts, "spec"))


def _validate_stateful_set_spec(spec: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    policy = access.text(spec, "podManagementPolicy")
    if not policy:
        errs.append(field.required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errs.append(
            field.invalid(
                "spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"
            )
        )
    errs += _validate_update_strategy(access.obj(spec, "updateStrategy"))
    errs += _validate_pvc_policy(access.opt_obj(spec, "persistentVolumeClaimRetentionPolicy"))
    errs += _non_negative(spec, "replicas", "spec")
    errs += _non_negative(spec, "minReadySeconds", "spec")
    ordinals = access.opt_obj(spec, "ordinals")
    if ordinals is not None and access.num(ordinals, "start") < 0:
        errs.append(field.invalid("spec.ordinals.start", access.num(ordinals, "start"), _NEGATIVE))
    service_name = access.text(spec, "serviceName")
    if service_name:  # it becomes every pod's spec.subdomain, a DNS label
        errs += field.invalid_each("spec.serviceName", service_name, is_dns1123_label(service_name))
    claims = tuple(
        access.text(access.obj(c, "metadata"), "name")
        for c in access.objs(spec, "volumeClaimTemplates")
    )
    return errs + _selector_and_template(spec, "statefulset", "StatefulSet", claims)


def _validate_update_strategy(strategy: Mapping[str, Any]) -> list[Cause]:
    kind = access.text(strategy, "type")
    rolling = access.opt_obj(strategy, "rollingUpdate")
    path = "spec.updateStrategy"
    if not kind:
        return [field.required(path)]
    if kind == "OnDelete":
        if rolling is not None:
            return [
                field.invalid(
                    f"{path}.rollingUpdate",
                    GoText("&apps.RollingUpdateStatefulSetStrategy{...}"),
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        if rolling is None:
            return []
        errs = _non_negative(rolling, "partition", f"{path}.rollingUpdate")
        if access.has(rolling, "maxUnavailable"):
            max_unavailable = access.int_or_string(rolling, "maxUnavailable")
            mpath = f"{path}.rollingUpdate.maxUnavailable"
            errs += _validate_int_or_percent(max_unavailable, mpath)
            if _int_or_percent_value(max_unavailable)[0] < 1:
                errs.append(
                    field.invalid(mpath, GoText(str(max_unavailable)), "must be greater than 0")
                )
        return errs
    return [
        field.invalid(
            path,
            GoText(f'apps.StatefulSetUpdateStrategy{{Type:"{kind}"}}'),
            "must be 'RollingUpdate' or 'OnDelete'",
        )
    ]


def _validate_pvc_policy(policy: Mapping[str, Any] | None) -> list[Cause]:
    if policy is None:
        return []
    errs: list[Cause] = []
    path = "spec.persistentVolumeClaimRetentionPolicy"
    for key in ("whenDeleted", "whenScaled"):
        value = access.text(policy, key)
        if value not in _PVC_POLICIES:
            errs.append(field.not_supported(f"{path}.{key}", value, _PVC_POLICIES))
    return errs


def validate_stateful_set_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old)
    errs += _validate_stateful_set_spec(access.obj(new, "spec"))
    spec, old_spec = access.obj(new, "spec"), access.obj(old, "spec")
    rest = {k: v for k, v in spec.items() if k not in _STATEFULSET_MUTABLE}
    old_rest = {k: v for k, v in old_spec.items() if k not in _STATEFULSET_MUTABLE}
    if access.comparable(rest) != access.comparable(old_rest):
        errs.append(field.forbidden("spec", STATEFULSET_UPDATE_FORBIDDEN))
    return errs
