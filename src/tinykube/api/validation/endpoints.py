"""Validation of core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlices.

Endpoints (``ValidateEndpoints``): every subset has addresses, addresses are real, non-special
IPs with optional DNS-label hostnames, ports need names when a subset has several. Slices
(``ValidateEndpointSlice``): a supported, immutable ``addressType``; at most 1000 endpoints
of 1 to 100 addresses valid for that type; at most 100 ports with unique DNS-label names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tinykube.api.validation import access, field
from tinykube.api.validation.ip import (
    is_valid_ip,
    is_valid_ipv4,
    is_valid_ipv6,
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
    is_valid_port_num,
    name_is_dns_subdomain,
)
from tinykube.api.validation.service import PROTOCOLS
from tinykube.errors import Cause

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
MAX_ENDPOINTS = 1000
MAX_ADDRESSES = 100
MAX_PORTS = 100
MAX_TOPOLOGY_LABELS = 16


# --------------------------------------------------------------------------- Endpoints


def validate_endpoints(ep: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(ep, True, name_is_dns_subdomain)
    for i, subset in enumerate(access.objs(ep, "subsets")):
        errs += _validate_subset(subset, f"subsets[{i}]")
    return errs


def validate_endpoints_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    return validate_object_meta_update(new, old) + validate_endpoints(new)


def _validate_subset(subset: Mapping[str, Any], path: str) -> list[Cause]:
    errs: list[Cause] = []
    ready, not_ready = access.objs(subset, "addresses"), access.objs(subset, "notReadyAddresses")
    if not ready and not not_ready:
        errs.append(field.required(path, "must specify `addresses` or `notReadyAddresses`"))
    for key, addresses in (("addresses", ready), ("notReadyAddresses", not_ready)):
        for i, address in enumerate(addresses):
            errs += _validate_address(address, f"{path}.{key}[{i}]")
    ports = access.objs(subset, "ports")
    for i, port in enumerate(ports):
        errs += _validate_port(port, len(ports) > 1, f"{path}.ports[{i}]")
    return errs


def _validate_address(address: Mapping[str, Any], path: str) -> list[Cause]:
    ip = access.text(address, "ip")
    errs = is_valid_ip(f"{path}.ip", ip)
    hostname = access.text(address, "hostname")
    if hostname:
        errs += field.invalid_each(f"{path}.hostname", hostname, is_dns1123_label(hostname))
    node_name = access.opt_text(address, "nodeName")
    if node_name is not None:
        errs += field.invalid_each(f"{path}.nodeName", node_name, is_dns1123_subdomain(node_name))
    return errs + validate_non_special_ip(f"{path}.ip", ip)


def _validate_port(port: Mapping[str, Any], require_name: bool, path: str) -> list[Cause]:
    errs: list[Cause] = []
    name = access.text(port, "name")
    if require_name and not name:
        errs.append(field.required(f"{path}.name"))
    elif name:
        errs += field.invalid_each(f"{path}.name", name, is_dns1123_label(name))
    number = access.num(port, "port")
    errs += field.invalid_each(f"{path}.port", number, is_valid_port_num(number))
    errs += _validate_protocol(port, path)
    errs += _validate_app_protocol(port, path)
    return errs


def _validate_protocol(port: Mapping[str, Any], path: str) -> list[Cause]:
    protocol = access.text(port, "protocol")
    if not protocol:
        return [field.required(f"{path}.protocol")]
    if protocol not in PROTOCOLS:
        return [field.not_supported(f"{path}.protocol", protocol, PROTOCOLS)]
    return []


def _validate_app_protocol(port: Mapping[str, Any], path: str) -> list[Cause]:
    app_protocol = access.opt_text(port, "appProtocol")
    if app_protocol is None:
        return []
    return field.invalid_each(f"{path}.appProtocol", app_protocol, is_qualified_name(app_protocol))


# --------------------------------------------------------------------------- EndpointSlice


def validate_endpoint_slice(eps: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta(eps, True, name_is_dns_subdomain)
    address_type = access.text(eps, "addressType")
    if not address_type:
        errs.append(field.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(field.not_supported("addressType", address_type, ADDRESS_TYPES))
    errs += _validate_slice_endpoints(access.objs(eps, "endpoints"), address_type)
    errs += _validate_slice_ports(access.objs(eps, "ports"))
    return errs


def validate_endpoint_slice_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Cause]:
    errs = validate_object_meta_update(new, old) + validate_endpoint_slice(new)
    return errs + field.immutable(
        "addressType", access.text(new, "addressType"), access.text(old, "addressType")
    )


def _validate_slice_endpoints(endpoints: Sequence[Mapping[str, Any]], kind: str) -> list[Cause]:
    if len(endpoints) > MAX_ENDPOINTS:
        return [field.too_many("endpoints", len(endpoints), MAX_ENDPOINTS)]
    errs: list[Cause] = []
    for i, endpoint in enumerate(endpoints):
        path = f"endpoints[{i}]"
        addresses = access.texts(endpoint, "addresses")
        if not addresses:
            errs.append(field.required(f"{path}.addresses", "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errs.append(field.too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            errs += _validate_slice_address(address, kind, f"{path}.addresses[{j}]")
        node_name = access.opt_text(endpoint, "nodeName")
        if node_name is not None:
            errs += field.invalid_each(
                f"{path}.nodeName", node_name, is_dns1123_subdomain(node_name)
            )
        topology = access.string_map(endpoint, "deprecatedTopology")
        if len(topology) > MAX_TOPOLOGY_LABELS:
            errs.append(
                field.too_many(f"{path}.deprecatedTopology", len(topology), MAX_TOPOLOGY_LABELS)
            )
        errs += validate_labels(topology, f"{path}.deprecatedTopology")
        hostname = access.opt_text(endpoint, "hostname")
        if hostname is not None:
            errs += field.invalid_each(f"{path}.hostname", hostname, is_dns1123_label(hostname))
    return errs


def _validate_slice_address(address: str, kind: str, path: str) -> list[Cause]:
    if kind in ("IPv4", "IPv6"):
        check = is_valid_ipv4 if kind == "IPv4" else is_valid_ipv6
        return check(path, address) or validate_non_special_ip(path, address)
    if kind == "FQDN":
        return _fully_qualified_domain_name(address, path)
    return []


def _fully_qualified_domain_name(name: str, path: str) -> list[Cause]:
    """``IsFullyQualifiedDomainName``: a subdomain of at least two labels, trailing dot ok."""
    if not name:
        return [field.required(path)]
    name = name.removesuffix(".")
    msgs = is_dns1123_subdomain(name)
    if msgs:
        return [field.invalid(path, name, ",".join(msgs))]
    labels = name.split(".")
    if len(labels) < 2:
        detail = "should be a domain with at least two segments separated by dots"
        return [field.invalid(path, name, detail)]
    for label in labels:
        msgs = is_dns1123_label(label)
        if msgs:
            return [field.invalid(path, label, ",".join(msgs))]
    return []


def _validate_slice_ports(ports: Sequence[Mapping[str, Any]]) -> list[Cause]:
    if len(ports) > MAX_PORTS:
        return [field.too_many("ports", len(ports), MAX_PORTS)]
    errs: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        name = access.text(port, "name")
        if name:
            errs += field.invalid_each(f"{path}.name", name, is_dns1123_label(name))
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
        number = access.opt_num(port, "port")
        if number is not None:
            errs += field.invalid_each(f"{path}.port", number, is_valid_port_num(number))
        errs += _validate_protocol(port, path)
        errs += _validate_app_protocol(port, path)
    return errs
