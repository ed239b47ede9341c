"""``delete``: remove objects named by arguments, manifests, a selector or ``--all``.

Prints ``service "web" deleted`` per object (``deployment.apps "web" deleted``) and, like
kubectl, waits until each object is really gone (finalizers, graceful pods) unless
``--wait=false``. Dependents go with their owner in the background (the garbage
collector's job). Missing objects are errors unless ``--ignore-not-found``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.cli import failures, manifests, printers, resources
from tinykube.cli.session import Session
from tinykube.cli.verbs.apply import with_namespace
from tinykube.errors import ApiError, ConfigError, NotFound

POLL = 0.2


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("delete", parents=parents, help="delete resources")
    p.add_argument("resources", nargs="*", metavar="TYPE [NAME ...] | TYPE/NAME ...")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="FILE|DIR|-")
    p.add_argument("-R", "--recursive", action="store_true")
    p.add_argument("-l", "--selector", default="", help="label selector")
    p.add_argument("--all", action="store_true", help="every object of the type")
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("--ignore-not-found", action="store_true")
    p.add_argument("--wait", default="true", choices=("true", "false"),
                   help="wait for the objects to be gone (default true)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait (default 120)")
    p.add_argument("--grace-period", type=int, default=-1, help="seconds a pod gets to stop")
    p.add_argument("--now", action="store_true", help="--grace-period=1")
    p.add_argument("--force", action="store_true", help="with --grace-period=0: at once")
    p.add_argument("-o", "--output", choices=("name",), help="print only kind/name")


Target = tuple[Kind, str, str | None, str]  # kind, name, namespace, source


async def run(s: Session, args: argparse.Namespace) -> int:
    targets, errors = await _targets(s, args)
    gone: list[tuple[Kind, str, str | None, str]] = []
    for kind, name, ns, source in targets:
        try:
            deleted = await _delete(s, args, kind, name, ns)
        except NotFound as e:
            if not args.ignore_not_found:
                errors.append(failures.with_source(e, "deleting", source))
            continue
        except ApiError as e:
            errors.append(failures.with_source(e, "deleting", source))
            continue
        uid = str((deleted.get("metadata") or {}).get("uid") or "")
        gone.append((kind, name, ns, uid))
        s.print(_deleted_line(args, kind, name))
    if args.wait == "true":
        try:
            async with asyncio.timeout(args.timeout):
                await _wait_gone(s, gone)
        except TimeoutError:
            errors.append(ConfigError("timed out waiting for the condition"))
    for problem in errors:
        s.warn(failures.describe(problem))
    return 1 if errors else 0


def _deleted_line(args: argparse.Namespace, kind: Kind, name: str) -> str:
    if args.output == "name":
        return f"{printers.kind_prefix(kind)}/{name}"
    operation = "force deleted" if _grace(args) == 0 else "deleted"
    return f'{printers.kind_prefix(kind)} "{name}" {operation}'


def _grace(args: argparse.Namespace) -> int | None:
    if args.now:
        return 1
    return None if args.grace_period < 0 else int(args.grace_period)


async def _targets(s: Session,
                   args: argparse.Namespace) -> tuple[list[Target], list[BaseException]]:
    if args.filename:
        loaded = manifests.load(args.filename, s.stdin, recursive=args.recursive)
        targets: list[Target] = []
        for m in loaded:
            obj = with_namespace(s, m)
            ns = (obj.get("metadata") or {}).get("namespace") if m.kind.namespaced else None
            targets.append((m.kind, m.name, ns, m.source))
        return targets, []
    parsed = resources.parse(args.resources, "delete")
    if parsed.by_name:
        if args.all or args.selector:
            raise ConfigError("name cannot be provided when a selector or --all is specified")
        return [(r.kind, r.name or "", _ns(s, args, r.kind), "") for r in parsed.requests], []
    if not (args.all or args.selector):
        raise ConfigError("resource(s) were provided, but no name was specified")
    out: list[Target] = []
    errors: list[BaseException] = []
    for r in parsed.requests:
        try:
            items, _ = await s.client().list(r.kind, _ns(s, args, r.kind),
                                             label_selector=args.selector)
        except ApiError as e:
            errors.append(e)
            continue
        for obj in items:
            md = obj.get("metadata") or {}
            out.append((r.kind, str(md.get("name")), md.get("namespace"), ""))
    if not out and not errors:
        s.warn("No resources found")
    return out, errors


def _ns(s: Session, args: argparse.Namespace, kind: Kind) -> str | None:
    if not kind.namespaced:
        return None
    return None if args.all_namespaces else s.namespace


async def _delete(s: Session, args: argparse.Namespace, kind: Kind, name: str,
                  ns: str | None) -> dict[str, Any]:
    grace = _grace(args)
    body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1",
                            "propagationPolicy": "Background"}
    if grace is not None:
        body["gracePeriodSeconds"] = grace
    result = await s.client().request("DELETE", kind.path(ns or "default", name), body=body)
    return result if isinstance(result, dict) else {}


async def _wait_gone(s: Session, gone: list[tuple[Kind, str, str | None, str]]) -> None:
    for kind, name, ns, uid in gone:
        while True:
            try:
                live = await s.client().get(kind, name, ns)
            except NotFound:
                break
            if uid and (live.get("metadata") or {}).get("uid") != uid:
                break  # a new object took the name: ours is gone
            await asyncio.sleep(POLL)
