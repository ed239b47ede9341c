"""Validation of the cluster-scoped kinds: Namespaces and Nodes.

A Namespace's name is a DNS-1123 label (it becomes part of DNS names) and its
``spec.finalizers`` are standard (``kubernetes``) or qualified names. A Node's name is a
DNS-1123 subdomain; its taints are checked, and once set its ``podCIDRs`` and
``providerID`` may not change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.ip import is_valid_cidr
from tinykube.api.validation.metadata import (
    validate_label_name,
    validate_object_meta,
    validate_object_meta_update,
)
from tinykube.api.validation.names import (
    is_qualified_name,
    is_valid_label_value,
    name_is_dns_label,
    name_is_dns_subdomain,
)
from tinykube.errors import Cause

STANDARD_FINALIZERS = ("kubernetes",)
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_POD_CIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid'


def validate_namespace(ns: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(ns, False, name_is_dns_label)
    for name in access.texts(access.obj(ns, "spec"), "finalizers"):
        errs += _validate_finalizer(name, "spec.finalizers")
    return errs


def _validate_finalizer(name: str, path: str) -> list[Cause]:
    errs = field.invalid_each(path, name, is_qualified_name(name))
    if "/" not in name and name not in STANDARD_FINALIZERS:
        errs.append(
            field.invalid(
                path, name, "name is neither a standard finalizer name nor is it fully qualified"
            )
        )
    return errs


def validate_namespace_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return validate_object_meta_update(new, old)


def validate_node(node: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(node, False, name_is_dns_subdomain)
    spec = access.obj(node, "spec")
    errs += _validate_taints(access.objs(spec, "taints"), "spec.taints")
    for i, cidr in enumerate(access.texts(spec, "podCIDRs")):
        errs += is_valid_cidr(f"spec.podCIDRs[{i}]", cidr)
    return errs


def _validate_taints(taints: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        tpath = f"{path}[{i}]"
        key, value, effect = (access.text(taint, k) for k in ("key", "value", "effect"))
        errs += validate_label_name(key, f"{tpath}.key")
        errs += field.invalid_each(f"{tpath}.value", value, is_valid_label_value(value))
        if not effect:
            errs.append(field.required(f"{tpath}.effect"))
        elif effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{tpath}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            errs.append(
                field.duplicate(
                    tpath, f"taints must be unique by key and effect pair ({key}, {effect})"
                )
            )
        seen.add((key, effect))
    return errs


def validate_node_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old) + validate_node(new)
    spec, old_spec = access.obj(new, "spec"), access.obj(old, "spec")
    old_cidrs = access.texts(old_spec, "podCIDRs")
    if old_cidrs and access.texts(spec, "podCIDRs") != old_cidrs:
        errs.append(field.forbidden("spec.podCIDRs", _POD_CIDR_CHANGE))
    old_provider = access.text(old_spec, "providerID")
    if old_provider and access.text(spec, "providerID") != old_provider:
        errs.append(
            field.forbidden(
                "spec.providerID", 'node updates may not change providerID except from "" to valid'
            )
        )
    return errs
