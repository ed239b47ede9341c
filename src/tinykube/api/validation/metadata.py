"""Validation of ``metadata`` shared by every kind, and of labels and label selectors.

``validate_object_meta`` is apimachinery's ``ValidateObjectMetaAccessor``: the name (or the
``generateName`` prefix, when the server will generate the name), the namespace for
namespaced kinds, labels, annotations (keys and total size), owner references and
finalizers. ``validate_object_meta_update`` adds the immutability of name, namespace and
uid. Fields the API server fills in itself before validation (an empty uid or
resourceVersion on update) are not reported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.govalue import GoText, go_syntax, quote
from tinykube.api.validation.names import (
    NameCheck,
    is_qualified_name,
    is_valid_label_value,
    name_is_dns_label,
)
from tinykube.errors import Cause

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
_BANNED_OWNERS = {("v1", "Event"), ("events.k8s.io/v1", "Event")}
_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


# --------------------------------------------------------------------------- labels


def validate_label_name(name: str, path: str) -> list[Cause]:
    return field.invalid_each(path, name, is_qualified_name(name))


def validate_labels(labels: Mapping[str, str], path: str) -> list[Cause]:
    """``ValidateLabels``: every key a qualified name, every value a label value."""
    errs: list[Cause] = []
    for key, value in labels.items():
        errs += validate_label_name(key, path)
        errs += field.invalid_each(path, value, is_valid_label_value(value))
    return errs


def validate_annotations(annotations: Mapping[str, str], path: str) -> list[Cause]:
    """Keys are qualified names (case-insensitive); keys plus values at most 256 KiB."""
    errs: list[Cause] = []
    for key in annotations:
        errs += field.invalid_each(path, key, is_qualified_name(key.lower()))
    size = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(field.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def label_selector_text(sel: Mapping[str, Any]) -> GoText:
    """``%#v`` of a ``metav1.LabelSelector``, as it appears in ``Invalid value:`` texts."""
    labels = access.string_map(sel, "matchLabels")
    exprs = access.objs(sel, "matchExpressions")
    match_labels = go_syntax(labels) if access.has(sel, "matchLabels") else "map[string]string(nil)"
    if exprs:
        reqs = ", ".join(_requirement_text(e) for e in exprs)
        match_exprs = "[]v1.LabelSelectorRequirement{" + reqs + "}"
    else:
        match_exprs = "[]v1.LabelSelectorRequirement(nil)"
    return GoText(f"v1.LabelSelector{{MatchLabels:{match_labels}, MatchExpressions:{match_exprs}}}")


def _requirement_text(expr: Mapping[str, Any]) -> str:
    values = access.texts(expr, "values")
    vals = go_syntax(values) if values else "[]string(nil)"
    return (
        f"v1.LabelSelectorRequirement{{Key:{quote(access.text(expr, 'key'))}, "
        f"Operator:{quote(access.text(expr, 'operator'))}, Values:{vals}}}"
    )


def validate_label_selector(sel: Mapping[str, Any] | None, path: str) -> list[Cause]:
    """``ValidateLabelSelector`` (strict: selector values must be valid label values)."""
    if sel is None:
        return []
    errs = validate_labels(access.string_map(sel, "matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(access.objs(sel, "matchExpressions")):
        errs += _validate_requirement(expr, f"{path}.matchExpressions[{i}]")
    return errs


def _validate_requirement(expr: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    operator, values = access.text(expr, "operator"), access.texts(expr, "values")
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(
                field.required(
                    f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                field.forbidden(
                    f"{path}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    else:
        errs.append(field.invalid(f"{path}.operator", operator, "not a valid selector operator"))
    errs += validate_label_name(access.text(expr, "key"), f"{path}.key")
    for i, value in enumerate(values):
        errs += field.invalid_each(f"{path}.values[{i}]", value, is_valid_label_value(value))
    return errs


# --------------------------------------------------------------------------- object meta


def validate_object_meta(
    obj: Mapping[str, Any], namespaced: bool, name_check: NameCheck, path: str = "metadata"
) -> list[Cause]:
    md = access.obj(obj, "metadata")
    errs: list[Cause] = []
    generate_name = access.text(md, "generateName")
    if generate_name:
        errs += field.invalid_each(
            f"{path}.generateName", generate_name, name_check(generate_name, True)
        )
    name = access.text(md, "name")
    if name:
        errs += field.invalid_each(f"{path}.name", name, name_check(name, False))
    elif not generate_name:
        errs.append(field.required(f"{path}.name", "name or generateName is required"))
    errs += _validate_namespace(md, namespaced, path)
    generation = access.num(md, "generation")
    if generation < 0:
        errs.append(
            field.invalid(f"{path}.generation", generation, "must be greater than or equal to 0")
        )
    errs += validate_labels(access.string_map(md, "labels"), f"{path}.labels")
    errs += validate_annotations(access.string_map(md, "annotations"), f"{path}.annotations")
    errs += _validate_owner_references(access.objs(md, "ownerReferences"), path)
    errs += _validate_finalizers(access.texts(md, "finalizers"), f"{path}.finalizers")
    return errs


def _validate_namespace(md: Mapping[str, Any], namespaced: bool, path: str) -> list[Cause]:
    namespace = access.text(md, "namespace")
    if not namespaced:
        if namespace:
            return [field.forbidden(f"{path}.namespace", "not allowed on this type")]
        return []
    if not namespace:
        return [field.required(f"{path}.namespace")]
    return field.invalid_each(f"{path}.namespace", namespace, name_is_dns_label(namespace, False))


def _validate_owner_references(refs: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    refs_path = f"{path}.ownerReferences"
    first_controller = ""
    for ref in refs:
        api_version, kind = access.text(ref, "apiVersion"), access.text(ref, "kind")
        version = api_version.rsplit("/", 1)[-1]
        if not version:
            errs.append(
                field.invalid(f"{refs_path}.apiVersion", api_version, "version must not be empty")
            )
        for key in ("kind", "name", "uid"):
            if not access.text(ref, key):
                errs.append(field.invalid(f"{refs_path}.{key}", "", "must not be empty"))
        if (api_version, kind) in _BANNED_OWNERS:
            group = api_version.rpartition("/")[0]
            errs.append(
                field.invalid(
                    refs_path,
                    GoText(f"v1.OwnerReference{{Kind:{quote(kind)}}}"),
                    f"{group}/{version}, Kind={kind} is disallowed from being an owner",
                )
            )
        if ref.get("controller") is True:
            current = f"{kind}/{access.text(ref, 'name')}"
            if first_controller:
                errs.append(
                    field.invalid(
                        refs_path,
                        GoText("[]v1.OwnerReference{...}"),
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errs


def _validate_finalizers(finalizers: Sequence[str], path: str) -> list[Cause]:
    errs: list[Cause] = []
    for name in finalizers:
        errs += field.invalid_each(path, name, is_qualified_name(name))
    if ORPHAN_FINALIZER in finalizers and FOREGROUND_FINALIZER in finalizers:
        errs.append(
            field.invalid(
                path,
                list(finalizers),
                f"finalizer {ORPHAN_FINALIZER} and {FOREGROUND_FINALIZER} cannot be both set",
            )
        )
    return errs


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], path: str = "metadata"
) -> list[Cause]:
    """``ValidateObjectMetaAccessorUpdate`` minus what the server fills in from ``old``."""
    nmd, omd = access.obj(new, "metadata"), access.obj(old, "metadata")
    errs: list[Cause] = []
    if access.has(omd, "deletionTimestamp"):
        added = sorted(set(access.texts(nmd, "finalizers")) - set(access.texts(omd, "finalizers")))
        if added:
            errs.append(
                field.forbidden(
                    f"{path}.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {go_syntax(added)}",
                )
            )
    for key in ("name", "namespace"):
        errs += field.immutable(f"{path}.{key}", access.text(nmd, key), access.text(omd, key))
    uid = access.text(nmd, "uid")
    if uid:  # an empty uid is filled in from the stored object, as Kubernetes does
        errs += field.immutable(f"{path}.uid", uid, access.text(omd, "uid"))
    errs += validate_labels(access.string_map(nmd, "labels"), f"{path}.labels")
    errs += validate_annotations(access.string_map(nmd, "annotations"), f"{path}.annotations")
    errs += _validate_owner_references(access.objs(nmd, "ownerReferences"), path)
    return errs
