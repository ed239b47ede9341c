"""``describe`` for Namespaces, EndpointSlices and any other kind (kubectl's generic form).

The generic describer prints the object's fields with kubectl's "smart labels"
(``creationTimestamp`` → ``Creation Timestamp``, ``uid`` → ``UID``), nested maps indented,
then its events. Namespaces and EndpointSlices have their own layouts in kubectl and here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.cli.describe.writer import (
    PrefixWriter,
    events,
    labels_and_annotations,
)
from tinykube.cli.printers import go_value

_SKIP = {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
         ".metadata.labels", ".metadata.annotations"}
_ACRONYMS = {"API", "URL", "UID", "OSB", "GUID"}


def render_namespace(ns: Obj) -> str:
    md, status = ns.get("metadata") or {}, ns.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    labels_and_annotations(w, md)
    w.write(0, f"Status:\t{status.get('phase', '')}\n")
    return w.text()


def render_endpoint_slice(eps: Obj, evts: list[Obj] | None, now: datetime) -> str:
    md = eps.get("metadata") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_and_annotations(w, md)
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    ports = eps.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in ports:
            port = p.get("port")
            w.write(1, f"{p.get('name') or '<unset>'}\t{'<unset>' if port is None else port}\t"
                       f"{p.get('protocol', '')}\n")
    _slice_endpoints(w, eps.get("endpoints") or [])
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _slice_endpoints(w: PrefixWriter, endpoints: list[Obj]) -> None:
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
        return
    w.write(0, "Endpoints:\n")
    for e in endpoints:
        w.write(1, f"- Addresses:\t{', '.join(e.get('addresses') or []) or '<none>'}\n")
        w.write(2, "Conditions:\n")
        ready = (e.get("conditions") or {}).get("ready")
        w.write(3, f"Ready:\t{'<unset>' if ready is None else go_value(ready)}\n")
        w.write(2, f"Hostname:\t{e.get('hostname') or '<unset>'}\n")
        ref = e.get("targetRef")
        if ref:
            w.write(2, f"TargetRef:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
        w.write(2, f"NodeName:\t{e.get('nodeName') or '<unset>'}\n")
        w.write(2, f"Zone:\t{e.get('zone') or '<unset>'}\n")


def render_generic(obj: Obj, evts: list[Obj] | None, now: datetime) -> str:
    md = obj.get("metadata") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_and_annotations(w, md)
    _content(w, 0, obj, "")
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _content(w: PrefixWriter, level: int, content: dict[str, Any], prefix: str) -> None:
    for field in sorted(content):
        value, path = content[field], f"{prefix}.{field}"
        if path in _SKIP:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _content(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _content(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{go_value(value)}\n")


_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def smart_label(field: str) -> str:
    """``creationTimestamp`` → ``Creation Timestamp``; ``uid`` → ``UID``."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = []
    for part in _CAMEL.findall(field) or [field]:
        parts.append(part.upper() if part.upper() in _ACRONYMS else part[:1].upper() + part[1:])
    return " ".join(parts)
