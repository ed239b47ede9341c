"""Validation of core/v1 Events (``legacyValidateEvent``).

Kubernetes checks core/v1 Event names only as URL path segments (controllers name events
``<object>.<hex>``), requires the involved object's namespace to match the event's, and
requires the reporting fields of "new-style" events (those with an ``eventTime``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.metadata import validate_object_meta, validate_object_meta_update
from tinykube.api.validation.names import (
    is_dns1123_subdomain,
    is_qualified_name,
    name_is_path_segment,
)
from tinykube.errors import Cause

REPORTING_INSTANCE_LIMIT = 128
ACTION_LIMIT = 128
REASON_LIMIT = 128
NOTE_LIMIT = 1024
_MISMATCH = "does not match event.namespace"


def validate_event(ev: Mapping[str, Any]) -> list[Cause]:
    namespace = access.text(access.obj(ev, "metadata"), "namespace")
    involved_ns = access.text(access.obj(ev, "involvedObject"), "namespace")
    errs: list[Cause] = []
    if not access.text(ev, "eventTime"):
        if involved_ns and involved_ns != namespace:
            errs.append(field.invalid("involvedObject.namespace", involved_ns, _MISMATCH))
        if not involved_ns and namespace not in ("", "default"):
            errs.append(field.invalid("involvedObject.namespace", involved_ns, _MISMATCH))
    else:
        if not involved_ns and namespace not in ("default", "kube-system"):
            errs.append(field.invalid("involvedObject.namespace", involved_ns, _MISMATCH))
        errs += _validate_new_style(ev)
    errs += field.invalid_each("namespace", namespace, is_dns1123_subdomain(namespace))
    return errs + validate_object_meta(ev, True, name_is_path_segment)


def _validate_new_style(ev: Mapping[str, Any]) -> list[Cause]:
    errs: list[Cause] = []
    controller = access.text(ev, "reportingComponent")
    if not controller:
        errs.append(field.required("reportingComponent"))
    errs += field.invalid_each("reportingComponent", controller, is_qualified_name(controller))
    for key, limit in (
        ("reportingInstance", REPORTING_INSTANCE_LIMIT),
        ("action", ACTION_LIMIT),
        ("reason", REASON_LIMIT),
    ):
        value = access.text(ev, key)
        if not value:
            errs.append(field.required(key))
        if len(value) > limit:
            errs.append(field.invalid(key, "", f"can have at most {limit} characters"))
    if len(access.text(ev, "message")) > NOTE_LIMIT:
        errs.append(field.invalid("message", "", f"can have at most {NOTE_LIMIT} characters"))
    return errs


def validate_event_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return validate_object_meta_update(new, old) + validate_event(new)
