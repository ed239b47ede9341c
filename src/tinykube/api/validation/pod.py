"""Pod validation: ``ValidatePodSpec``, ``ValidatePodCreate`` and ``ValidatePodUpdate``.

The pod spec rules are shared with the pod templates of workloads (``validate_pod_spec``
takes the path to report under, ``spec`` or ``spec.template.spec``). On update a pod's spec
is immutable except container images, ``activeDeadlineSeconds`` (only lowered),
tolerations (only added) and scheduling gates (only removed); ``nodeName`` may be set once,
which is what binding a pod to the node does here. Status is the ``status`` subresource's
business and is not validated.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.container import validate_containers, validate_init_containers
from tinykube.api.validation.govalue import GoText, nil_pointer, quote, struct
from tinykube.api.validation.ip import is_valid_ip
from tinykube.api.validation.metadata import (
    validate_annotations,
    validate_label_name,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)
from tinykube.api.validation.names import (
    inclusive_range_error,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_valid_label_value,
    name_is_dns_subdomain,
)
from tinykube.errors import Cause

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TOLERATION_OPERATORS = ("Equal", "Exists")
VOLUME_TYPES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)  # fmt: skip
MAX_INT32 = 2**31 - 1
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_DNS_SEARCH_CHARS = 2048
_REQUIRED_SOURCE_FIELDS = {
    "hostPath": "path",
    "secret": "secretName",
    "configMap": "name",
    "persistentVolumeClaim": "claimName",
}
POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
    "set to 1 if it was previously negative)"
)


# --------------------------------------------------------------------------- pod


def validate_pod(pod: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(pod, True, name_is_dns_subdomain)
    return errs + validate_pod_spec(access.obj(pod, "spec"), "spec")


def validate_pod_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old)
    errs += validate_pod(new)
    spec, old_spec = access.obj(new, "spec"), access.obj(old, "spec")
    for key in ("containers", "initContainers"):
        more, stop = _container_updates(access.objs(spec, key), access.objs(old_spec, key), key)
        errs += more
        if stop:
            return errs
    more, stop = _active_deadline_update(spec, old_spec)
    errs += more
    if stop:
        return errs
    errs += _only_added_tolerations(spec, old_spec)
    munged = _munge_mutable(spec, old_spec)
    if access.comparable(munged) != access.comparable(old_spec):
        diff = "\n".join(_diff(access.comparable(old_spec), access.comparable(munged), "spec"))
        errs.append(field.forbidden("spec", f"{POD_UPDATE_FORBIDDEN}\n{diff}"))
    return errs


def _container_updates(
    new: Sequence[Mapping[str, Any]], old: Sequence[Mapping[str, Any]], key: str
) -> tuple[list[Cause], bool]:
    path = f"spec.{key}"
    if len(new) != len(old):
        return [field.forbidden(path, "pod updates may not add or remove containers")], True
    errs: list[Cause] = []
    for i, ctr in enumerate(new):
        image = access.text(ctr, "image")
        if not image:
            errs.append(field.required(f"{path}[{i}].image"))
        if image.strip() != image:
            errs.append(
                field.invalid(
                    f"{path}[{i}].image", image, "must not have leading or trailing whitespace"
                )
            )
    return errs, False


def _active_deadline_update(
    spec: Mapping[str, Any], old_spec: Mapping[str, Any]
) -> tuple[list[Cause], bool]:
    path = "spec.activeDeadlineSeconds"
    new, old = (
        access.opt_num(spec, "activeDeadlineSeconds"),
        access.opt_num(old_spec, "activeDeadlineSeconds"),
    )
    if new is not None:
        if not 0 <= new <= MAX_INT32:
            return [field.invalid(path, new, inclusive_range_error(0, MAX_INT32))], True
        if old is not None and old < new:
            return [field.invalid(path, new, "must be less than or equal to previous value")], True
    elif old is not None:
        detail = "must not update from a positive integer to nil value"
        return [field.invalid(path, None, detail)], False
    return [], False


def _only_added_tolerations(spec: Mapping[str, Any], old_spec: Mapping[str, Any]) -> list[Cause]:
    new = access.objs(spec, "tolerations")
    new_keys = [_without_seconds(t) for t in new]
    for old in access.objs(old_spec, "tolerations"):
        if _without_seconds(old) not in new_keys:
            return [
                field.forbidden(
                    "spec.tolerations",
                    "existing toleration can not be modified except its tolerationSeconds",
                )
            ]
    return validate_tolerations(new, "spec.tolerations")


def _without_seconds(toleration: Mapping[str, Any]) -> dict[str, Any]:
    plain = access.comparable(toleration)
    return {k: v for k, v in plain.items() if k != "tolerationSeconds"}


def _munge_mutable(spec: Mapping[str, Any], old_spec: Mapping[str, Any]) -> dict[str, Any]:
    """The new spec with every field an update may change copied from the old one."""
    munged = copy.deepcopy(dict(spec))
    for key in ("containers", "initContainers"):
        new_list, old_list = munged.get(key), old_spec.get(key)
        if isinstance(new_list, list) and isinstance(old_list, list):
            for ctr, old_ctr in zip(new_list, old_list, strict=False):
                if isinstance(ctr, dict) and isinstance(old_ctr, Mapping):
                    _copy_key(ctr, old_ctr, "image")
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        _copy_key(munged, old_spec, key)
    if not access.text(old_spec, "nodeName"):
        _copy_key(munged, old_spec, "nodeName")
    old_grace = access.opt_num(old_spec, "terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def _copy_key(target: dict[str, Any], source: Mapping[str, Any], key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def _diff(old: Any, new: Any, path: str) -> list[str]:
    """What changed, one ``-``/``+`` pair per differing leaf (a readable ``cmp.Diff``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines: list[str] = []
        for key in sorted(set(old) | set(new)):
            lines += _diff(old.get(key), new.get(key), f"{path}.{key}")
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for i, (o, n) in enumerate(zip(old, new, strict=True)):
            lines += _diff(o, n, f"{path}[{i}]")
        return lines
    if old == new:
        return []
    return [f"- {path}: {_json(old)}", f"+ {path}: {_json(new)}"]


def _json(value: Any) -> str:
    return "<absent>" if value is None else json.dumps(value, sort_keys=True)


# --------------------------------------------------------------------------- templates


def validate_pod_template_spec(
    template: Mapping[str, Any], path: str, extra_volumes: Sequence[str] = ()
) -> list[Cause]:
    """``ValidatePodTemplateSpec`` (its labels report as ``<path>.labels``, as Kubernetes)."""
    md = access.obj(template, "metadata")
    errs = validate_labels(access.string_map(md, "labels"), f"{path}.labels")
    errs += validate_annotations(access.string_map(md, "annotations"), f"{path}.annotations")
    spec = access.obj(template, "spec")
    errs += validate_pod_spec(spec, f"{path}.spec", extra_volumes)
    if access.objs(spec, "ephemeralContainers"):
        errs.append(
            field.forbidden(
                f"{path}.spec.ephemeralContainers",
                "ephemeral containers not allowed in pod template",
            )
        )
    return errs


# --------------------------------------------------------------------------- spec


def validate_pod_spec(
    spec: Mapping[str, Any], path: str, extra_volumes: Sequence[str] = ()
) -> list[Cause]:
    volumes, errs = _validate_volumes(access.objs(spec, "volumes"), f"{path}.volumes")
    volumes |= set(extra_volumes)
    containers = access.objs(spec, "containers")
    errs += validate_containers(containers, volumes, f"{path}.containers")
    errs += validate_init_containers(
        access.objs(spec, "initContainers"), containers, volumes, f"{path}.initContainers"
    )
    errs += _validate_host_network(spec, path)
    errs += field.enum(access.text(spec, "restartPolicy"), RESTART_POLICIES,
                       f"{path}.restartPolicy")
    errs += field.enum(access.text(spec, "dnsPolicy"), DNS_POLICIES, f"{path}.dnsPolicy")
    errs += validate_labels(access.string_map(spec, "nodeSelector"), f"{path}.nodeSelector")
    errs += _validate_dns_config(spec, f"{path}.dnsConfig")
    for key in ("serviceAccountName", "nodeName", "priorityClassName"):
        value = access.text(spec, key)
        if value:
            errs += field.invalid_each(f"{path}.{key}", value, is_dns1123_subdomain(value))
    deadline = access.opt_num(spec, "activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        errs.append(
            field.invalid(
                f"{path}.activeDeadlineSeconds", deadline, inclusive_range_error(1, MAX_INT32)
            )
        )
    for key in ("hostname", "subdomain"):
        value = access.text(spec, key)
        if value:
            errs += field.invalid_each(f"{path}.{key}", value, is_dns1123_label(value))
    errs += validate_tolerations(access.objs(spec, "tolerations"), f"{path}.tolerations")
    errs += _validate_host_aliases(access.objs(spec, "hostAliases"), f"{path}.hostAliases")
    return errs


def _validate_volumes(
    volumes: Sequence[Mapping[str, Any]], path: str
) -> tuple[set[str], list[Cause]]:
    names: set[str] = set()
    errs: list[Cause] = []
    for i, vol in enumerate(volumes):
        vpath = f"{path}[{i}]"
        name = access.text(vol, "name")
        problems = _validate_volume_source(vol, vpath)
        if not name:
            problems.append(field.required(f"{vpath}.name"))
        else:
            problems += field.invalid_each(f"{vpath}.name", name, is_dns1123_label(name))
        if name in names:
            problems.append(field.duplicate(f"{vpath}.name", name))
        if problems:
            errs += problems
        else:
            names.add(name)
    return names, errs


def _validate_volume_source(vol: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    kinds = [k for k in VOLUME_TYPES if access.has(vol, k)]
    for extra in kinds[1:]:
        errs.append(field.forbidden(f"{path}.{extra}", "may not specify more than 1 volume type"))
    if not kinds:
        return [field.required(path, "must specify a volume type")]
    required = _REQUIRED_SOURCE_FIELDS.get(kinds[0])
    if required and not access.text(access.obj(vol, kinds[0]), required):
        errs.append(field.required(f"{path}.{kinds[0]}.{required}"))
    return errs


def _validate_host_network(spec: Mapping[str, Any], path: str) -> list[Cause]:
    if not access.flag(access.obj(spec, "securityContext"), "hostNetwork") and not access.flag(
        spec, "hostNetwork"
    ):
        return []
    errs: list[Cause] = []
    for key in ("containers", "initContainers"):
        for ci, ctr in enumerate(access.objs(spec, key)):
            for pi, port in enumerate(access.objs(ctr, "ports")):
                container_port = access.num(port, "containerPort")
                if access.num(port, "hostPort") != container_port:
                    errs.append(
                        field.invalid(
                            f"{path}.{key}[{ci}].ports[{pi}].containerPort",
                            container_port,
                            "must match `hostPort` when `hostNetwork` is true",
                        )
                    )
    return errs


def _validate_dns_config(spec: Mapping[str, Any], path: str) -> list[Cause]:
    config = access.opt_obj(spec, "dnsConfig")
    nameservers = access.texts(config, "nameservers")
    if access.text(spec, "dnsPolicy") == "None":
        if config is None:
            return [field.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not nameservers:
            return [
                field.required(
                    f"{path}.nameservers",
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            ]
    if config is None:
        return []
    errs: list[Cause] = []
    if len(nameservers) > MAX_DNS_NAMESERVERS:
        errs.append(
            field.invalid(
                f"{path}.nameservers",
                nameservers,
                f"must not have more than {MAX_DNS_NAMESERVERS} nameservers",
            )
        )
    for i, server in enumerate(nameservers):
        errs += is_valid_ip(f"{path}.nameservers[{i}]", server)
    searches = access.texts(config, "searches")
    if len(searches) > MAX_DNS_SEARCH_PATHS:
        errs.append(
            field.invalid(
                f"{path}.searches",
                searches,
                f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths",
            )
        )
    if len(" ".join(searches)) > MAX_DNS_SEARCH_CHARS:
        errs.append(
            field.invalid(
                f"{path}.searches",
                searches,
                f"must not have more than {MAX_DNS_SEARCH_CHARS} characters (including spaces) "
                "in the search list",
            )
        )
    for i, search in enumerate(searches):
        domain = search.removesuffix(".")
        errs += field.invalid_each(f"{path}.searches[{i}]", domain, is_dns1123_subdomain(domain))
    for i, option in enumerate(access.objs(config, "options")):
        if not access.text(option, "name"):
            errs.append(field.required(f"{path}.options[{i}]", "Option.Name must not be empty"))
    return errs


def _validate_host_aliases(aliases: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, alias in enumerate(aliases):
        errs += is_valid_ip(f"{path}[{i}].ip", access.text(alias, "ip"))
        for j, hostname in enumerate(access.texts(alias, "hostnames")):
            errs += field.invalid_each(
                f"{path}[{i}].hostnames[{j}]", hostname, is_dns1123_subdomain(hostname)
            )
    return errs


# --------------------------------------------------------------------------- tolerations


def _toleration_text(t: Mapping[str, Any]) -> GoText:
    seconds = access.opt_num(t, "tolerationSeconds")
    return struct(
        "core.Toleration",
        [
            ("Key", quote(access.text(t, "key"))),
            ("Operator", quote(access.text(t, "operator"))),
            ("Value", quote(access.text(t, "value"))),
            ("Effect", quote(access.text(t, "effect"))),
            (
                "TolerationSeconds",
                nil_pointer("int64") if seconds is None else f"(*int64)({seconds})",
            ),
        ],
    )


def validate_tolerations(tolerations: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, t in enumerate(tolerations):
        tpath = f"{path}[{i}]"
        key, operator = access.text(t, "key"), access.text(t, "operator")
        value, effect = access.text(t, "value"), access.text(t, "effect")
        if key:
            errs += validate_label_name(key, f"{tpath}.key")
        if not key and operator != "Exists":
            errs.append(
                field.invalid(
                    f"{tpath}.operator",
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all '
                    'values and all keys"',
                )
            )
        if access.has(t, "tolerationSeconds") and effect != "NoExecute":
            errs.append(
                field.invalid(
                    f"{tpath}.effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if operator in ("Equal", ""):
            msgs = is_valid_label_value(value)
            if msgs:
                errs.append(field.invalid(f"{tpath}.operator", value, ";".join(msgs)))
        elif operator == "Exists":
            if value:
                errs.append(
                    field.invalid(
                        f"{tpath}.operator",
                        _toleration_text(t),
                        "value must be empty when `operator` is 'Exists'",
                    )
                )
        else:
            errs.append(field.not_supported(f"{tpath}.operator", operator, TOLERATION_OPERATORS))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{tpath}.effect", effect, TAINT_EFFECTS))
    return errs
