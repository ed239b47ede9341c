"""Validation of the containers of a pod spec (regular and init), as Kubernetes does it.

Names (DNS-1123 labels, unique across containers and init containers), images, ports
(numbers, protocols, IANA names unique per container, host port conflicts), environment
variables, volume mounts, pull and termination-message policies, probes and lifecycle
handlers. Resource quantities and security contexts are not checked: the node agent does
not enforce them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.names import (
    is_dns1123_label,
    is_env_var_name,
    is_http_header_name,
    is_valid_port_name,
    is_valid_port_num,
)
from tinykube.api.validation.service import PROTOCOLS, validate_port_num_or_name
from tinykube.errors import Cause

PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
HTTP_SCHEMES = ("HTTP", "HTTPS")
HANDLER_TYPES = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")
_NEGATIVE = "must be greater than or equal to 0"
_DOWNWARD_ENV_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_SUBSCRIPTED = re.compile(r"(metadata\.(?:labels|annotations))\['[^']+'\]")
_INIT_ONLY = "may not be set for init containers without restartPolicy=Always"


def validate_containers(
    containers: Sequence[Mapping[str, Any]], volumes: Collection[str], path: str
) -> list[Cause]:
    if not containers:
        return [field.required(path)]
    errs: list[Cause] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        cpath = f"{path}[{i}]"
        errs += _validate_common(ctr, volumes, cpath)
        name = access.text(ctr, "name")
        if name in names:
            errs.append(field.duplicate(f"{cpath}.name", name))
        names.add(name)
        errs += _validate_probes(ctr, cpath)
    errs += host_port_conflicts(containers, path)
    return errs


def validate_init_containers(
    containers: Sequence[Mapping[str, Any]],
    regular: Sequence[Mapping[str, Any]],
    volumes: Collection[str],
    path: str,
) -> list[Cause]:
    errs: list[Cause] = []
    names = {access.text(c, "name") for c in regular}
    for i, ctr in enumerate(containers):
        cpath = f"{path}[{i}]"
        errs += _validate_common(ctr, volumes, cpath)
        restart = access.opt_text(ctr, "restartPolicy")
        if restart is not None and restart != "Always":
            errs.append(field.not_supported(f"{cpath}.restartPolicy", restart, ["Always"]))
        name = access.text(ctr, "name")
        if name in names:
            errs.append(field.duplicate(f"{cpath}.name", name))
        elif name:
            names.add(name)
        errs += host_port_conflicts([ctr], path)
        if restart == "Always":
            errs += _validate_probes(ctr, cpath)
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if access.has(ctr, key):
                    errs.append(field.forbidden(f"{cpath}.{key}", _INIT_ONLY))
    return errs


def host_port_conflicts(containers: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    """``AccumulateUniqueHostPorts``: a ``protocol/hostIP/hostPort`` is used once."""
    seen: set[str] = set()
    errs: list[Cause] = []
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(access.objs(ctr, "ports")):
            host_port = access.num(port, "hostPort")
            if host_port == 0:
                continue
            key = f"{access.text(port, 'protocol')}/{access.text(port, 'hostIP')}/{host_port}"
            if key in seen:
                errs.append(field.duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return errs


def _validate_common(ctr: Mapping[str, Any], volumes: Collection[str], path: str) -> list[Cause]:
    errs: list[Cause] = []
    name = access.text(ctr, "name")
    if not name:
        errs.append(field.required(f"{path}.name"))
    else:
        errs += field.invalid_each(f"{path}.name", name, is_dns1123_label(name))
    if not access.text(ctr, "image"):
        errs.append(field.required(f"{path}.image"))
    errs += field.enum(
        access.text(ctr, "terminationMessagePolicy"),
        TERMINATION_MESSAGE_POLICIES,
        f"{path}.terminationMessagePolicy",
    )
    errs += validate_container_ports(access.objs(ctr, "ports"), f"{path}.ports")
    errs += _validate_env(access.objs(ctr, "env"), f"{path}.env")
    mounts = access.objs(ctr, "volumeMounts")
    errs += _validate_volume_mounts(mounts, volumes, f"{path}.volumeMounts")
    errs += field.enum(access.text(ctr, "imagePullPolicy"), PULL_POLICIES,
                       f"{path}.imagePullPolicy")
    return errs


def validate_container_ports(ports: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        ppath = f"{path}[{i}]"
        name = access.text(port, "name")
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs += field.invalid_each(f"{ppath}.name", name, msgs)
            elif name in names:
                errs.append(field.duplicate(f"{ppath}.name", name))
            names.add(name)
        container_port = access.num(port, "containerPort")
        if container_port == 0:
            errs.append(field.required(f"{ppath}.containerPort"))
        else:
            errs += field.invalid_each(
                f"{ppath}.containerPort", container_port, is_valid_port_num(container_port)
            )
        host_port = access.num(port, "hostPort")
        if host_port != 0:
            errs += field.invalid_each(f"{ppath}.hostPort", host_port, is_valid_port_num(host_port))
        protocol = access.text(port, "protocol")
        if not protocol:
            errs.append(field.required(f"{ppath}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(field.not_supported(f"{ppath}.protocol", protocol, PROTOCOLS))
    return errs


def _validate_env(env: Sequence[Mapping[str, Any]], path: str) -> list[Cause]:
    errs: list[Cause] = []
    for i, var in enumerate(env):
        vpath = f"{path}[{i}]"
        name = access.text(var, "name")
        if not name:
            errs.append(field.required(f"{vpath}.name"))
        errs += field.invalid_each(f"{vpath}.name", name, is_env_var_name(name))
        errs += _validate_value_from(var, f"{vpath}.valueFrom")
    return errs


def _validate_value_from(var: Mapping[str, Any], path: str) -> list[Cause]:
    source = access.opt_obj(var, "valueFrom")
    if source is None:
        return []
    errs: list[Cause] = []
    kinds = [
        k
        for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
        if access.has(source, k)
    ]
    field_ref = access.opt_obj(source, "fieldRef")
    if field_ref is not None:
        errs += _validate_field_ref(field_ref, f"{path}.fieldRef")
    for key in ("configMapKeyRef", "secretKeyRef"):
        ref = access.opt_obj(source, key)
        if ref is not None and not access.text(ref, "key"):
            errs.append(field.required(f"{path}.{key}.key"))
    if not kinds:
        errs.append(
            field.invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                "`secretKeyRef`",
            )
        )
    elif access.text(var, "value"):
        errs.append(field.invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(kinds) > 1:
        errs.append(field.invalid(path, "", "may not have more than one field specified at a time"))
    return errs


def _validate_field_ref(ref: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    if not access.text(ref, "apiVersion"):
        errs.append(field.required(f"{path}.apiVersion"))
    field_path = access.text(ref, "fieldPath")
    if not field_path:
        return [*errs, field.required(f"{path}.fieldPath")]
    subscripted = _SUBSCRIPTED.fullmatch(field_path)
    if subscripted is None and field_path not in _DOWNWARD_ENV_PATHS:
        errs.append(field.not_supported(f"{path}.fieldPath", field_path, _DOWNWARD_ENV_PATHS))
    return errs


def _validate_volume_mounts(
    mounts: Sequence[Mapping[str, Any]], volumes: Collection[str], path: str
) -> list[Cause]:
    errs: list[Cause] = []
    mount_points: set[str] = set()
    for i, mount in enumerate(mounts):
        mpath = f"{path}[{i}]"
        name, mount_path = access.text(mount, "name"), access.text(mount, "mountPath")
        if not name:
            errs.append(field.required(f"{mpath}.name"))
        if name not in volumes:
            errs.append(field.not_found(f"{mpath}.name", name))
        if not mount_path:
            errs.append(field.required(f"{mpath}.mountPath"))
        if mount_path in mount_points:
            errs.append(field.invalid(f"{mpath}.mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
    return errs


# --------------------------------------------------------------------------- probes


def _validate_probes(ctr: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    lifecycle = access.opt_obj(ctr, "lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            handler = access.opt_obj(lifecycle, hook)
            if handler is not None:
                errs += validate_handler(handler, f"{path}.lifecycle.{hook}")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = access.opt_obj(ctr, key)
        if probe is None:
            continue
        errs += validate_probe(probe, f"{path}.{key}")
        success = access.num(probe, "successThreshold")
        if key != "readinessProbe" and success != 1:
            errs.append(field.invalid(f"{path}.{key}.successThreshold", success, "must be 1"))
    return errs


def validate_probe(probe: Mapping[str, Any], path: str) -> list[Cause]:
    errs = validate_handler(probe, path)
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = access.num(probe, key)
        if value < 0:
            errs.append(field.invalid(f"{path}.{key}", value, _NEGATIVE))
    grace = access.opt_num(probe, "terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(
            field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0")
        )
    return errs


def validate_handler(handler: Mapping[str, Any], path: str) -> list[Cause]:
    """Exactly one of ``exec``, ``httpGet``, ``tcpSocket``, ``grpc``, ``sleep``."""
    errs: list[Cause] = []
    count = 0
    for kind in HANDLER_TYPES:
        body = access.opt_obj(handler, kind)
        if body is None:
            continue
        if count:
            detail = "may not specify more than 1 handler type"
            errs.append(field.forbidden(f"{path}.{kind}", detail))
            continue
        count += 1
        errs += _validate_action(kind, body, f"{path}.{kind}")
    if not count:
        errs.append(field.required(path, "must specify a handler type"))
    return errs


def _validate_action(kind: str, body: Mapping[str, Any], path: str) -> list[Cause]:
    if kind == "exec":
        return [] if access.texts(body, "command") else [field.required(f"{path}.command")]
    if kind in ("tcpSocket", "httpGet"):
        errs = validate_port_num_or_name(access.int_or_string(body, "port"), f"{path}.port")
        if kind == "httpGet":
            errs += _validate_http_get(body, path)
        return errs
    if kind == "grpc":
        port = access.num(body, "port")
        return field.invalid_each(f"{path}.port", port, is_valid_port_num(port))
    seconds = access.num(body, "seconds")
    if seconds <= 0:
        return [field.invalid(f"{path}.seconds", seconds, "must be greater than 0")]
    return []


def _validate_http_get(body: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    if not access.text(body, "path"):
        errs.append(field.required(f"{path}.path"))
    scheme = access.text(body, "scheme")
    if scheme not in HTTP_SCHEMES:
        errs.append(field.not_supported(f"{path}.scheme", scheme, HTTP_SCHEMES))
    for header in access.objs(body, "httpHeaders"):
        name = access.text(header, "name")
        errs += field.invalid_each(f"{path}.httpHeaders", name, is_http_header_name(name))
    return errs
