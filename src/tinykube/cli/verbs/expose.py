"""``expose``: a Service in front of a Deployment, ReplicaSet, StatefulSet, Pod or Service.

As kubectl builds it: the selector is the workload's ``matchLabels`` (a pod's labels, a
service's selector), ports come from ``--port`` or else from the exposed object's container
ports (a Service's ports), ``--target-port`` defaults to the port, several ports are named
``port-1``, ``port-2``... The name defaults to the exposed object's.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import printers, resources
from tinykube.cli.session import Session
from tinykube.cli.verbs.create import create_object, dry_run_note
from tinykube.errors import ConfigError

FIELD_MANAGER = "tinykube-expose"
EXPOSABLE = (kinds.DEPLOYMENT, kinds.REPLICA_SET, kinds.STATEFUL_SET, kinds.POD, kinds.SERVICE)


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("expose", parents=parents, help="expose a workload as a new Service")
    p.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("--port", help="the port the Service serves on")
    p.add_argument("--target-port", help="the port (name or number) on the pods")
    p.add_argument("--name", help="the Service's name (default: the exposed object's)")
    p.add_argument("--type", default="", help="ClusterIP, NodePort, LoadBalancer")
    p.add_argument("--protocol", default="", help="TCP (default), UDP or SCTP")
    p.add_argument("--selector", default="", help="k=v,... instead of the object's labels")
    p.add_argument("--cluster-ip", default="", help="a ClusterIP, or None for headless")
    p.add_argument("--external-ip", default="", help="an external IP")
    p.add_argument("-l", "--labels", default="", help="labels of the Service, k=v,...")
    p.add_argument("--dry-run", choices=("none", "client", "server"), default="none")
    p.add_argument("-o", "--output", help="yaml, json, name (print the Service)")


async def run(s: Session, args: argparse.Namespace) -> int:
    parsed = resources.parse(args.resources, "expose")
    if len(parsed.requests) != 1 or parsed.requests[0].name is None:
        raise ConfigError("expose takes exactly one TYPE NAME (or TYPE/NAME)")
    kind, name = parsed.requests[0].kind, parsed.requests[0].name
    if kind not in EXPOSABLE:
        raise ConfigError(f"cannot expose a {kind.kind}")
    target = await s.client().get(kind, name, s.namespace)
    svc = service_for(kind, target, args, s.namespace)
    created = await create_object(s, kinds.SERVICE, svc, s.namespace, dry_run=args.dry_run,
                                  field_manager=FIELD_MANAGER)
    if args.output:
        output = printers.parse_output(args.output)
        s.print(printers.render_objects(output, [(kinds.SERVICE, created)], single=True), end="")
        return 0
    name = printers.resource_name(kinds.SERVICE, created)
    s.print(f"{name} exposed{dry_run_note(args.dry_run)}")
    return 0


def service_for(kind: Kind, target: Obj, args: argparse.Namespace, namespace: str) -> Obj:
    """The Service ``kubectl expose`` would create for ``target``."""
    md = target.get("metadata") or {}
    selector = _pairs(args.selector, "--selector") if args.selector else _selector(kind, target)
    if not selector:
        raise ConfigError(f"couldn't retrieve selectors via --selector flag or introspection: "
                          f"the {kind.kind} {md.get('name', '')} has none")
    spec: Obj = {"selector": selector, "ports": _ports(kind, target, args)}
    if args.type:
        spec["type"] = args.type
    if args.cluster_ip:
        spec["clusterIP"] = args.cluster_ip
    if args.external_ip:
        spec["externalIPs"] = [args.external_ip]
    labels = _pairs(args.labels, "--labels") if args.labels else dict(md.get("labels") or {})
    meta: Obj = {"name": args.name or md.get("name", ""), "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def _selector(kind: Kind, target: Obj) -> dict[str, str]:
    spec = target.get("spec") or {}
    if kind == kinds.POD:
        return dict((target.get("metadata") or {}).get("labels") or {})
    if kind == kinds.SERVICE:
        return dict(spec.get("selector") or {})
    sel = spec.get("selector") or {}
    if sel.get("matchExpressions"):
        raise ConfigError("the selector has matchExpressions, which a Service cannot use: "
                          "pass --selector")
    return dict(sel.get("matchLabels") or {})


def _ports(kind: Kind, target: Obj, args: argparse.Namespace) -> list[Obj]:
    if args.port:
        numbers = [p for p in str(args.port).split(",") if p]
        found = [{"port": _int(p, "--port")} for p in numbers]
    else:
        found = _object_ports(kind, target)
    if not found:
        raise ConfigError("couldn't find port via --port flag or introspection")
    out: list[Obj] = []
    for i, port in enumerate(found):
        entry: Obj = {"port": port["port"]}
        if len(found) > 1:
            entry["name"] = port.get("name") or f"port-{i + 1}"
        entry["protocol"] = args.protocol or port.get("protocol") or "TCP"
        if args.target_port:
            entry["targetPort"] = _int_or_name(args.target_port)
        elif port.get("targetPort") is not None:
            entry["targetPort"] = port["targetPort"]
        else:
            entry["targetPort"] = port["port"]
        out.append(entry)
    return out


def _object_ports(kind: Kind, target: Obj) -> list[Obj]:
    spec = target.get("spec") or {}
    if kind == kinds.SERVICE:
        return [{"port": p.get("port"), "protocol": p.get("protocol"), "name": p.get("name"),
                 "targetPort": p.get("targetPort")} for p in spec.get("ports") or []]
    pod_spec = spec if kind == kinds.POD else (spec.get("template") or {}).get("spec") or {}
    return [{"port": p.get("containerPort"), "protocol": p.get("protocol"),
             "name": p.get("name")}
            for c in pod_spec.get("containers") or [] for p in c.get("ports") or []]


def _pairs(text: str, flag: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise ConfigError(f"invalid {flag} {text!r}: expected key=value,...")
        out[key.strip()] = value.strip()
    return out


def _int(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"invalid {flag} {text!r}: not a number") from None


def _int_or_name(text: str) -> int | str:
    return int(text) if text.isdigit() else text
