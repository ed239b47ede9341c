"""``create``: new objects from manifests, or a namespace or Deployment from flags.

``create -f`` posts each object as it is (no last-applied annotation, like kubectl without
``--save-config``) and fails for objects that exist. ``create namespace NAME`` and
``create deployment NAME --image=...`` build the object kubectl would.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import failures, manifests, printers
from tinykube.cli.session import Session
from tinykube.cli.verbs.apply import with_last_applied, with_namespace
from tinykube.errors import ApiError, ConfigError

FIELD_MANAGER = "tinykube-create"
DRY_RUN_NOTES = {"client": " (dry run)", "server": " (server dry run)"}


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("create", parents=parents, help="create resources from files or flags")
    p.add_argument("what", nargs="*", metavar="namespace|deployment NAME",
                   help="create a namespace or a deployment without a manifest")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="FILE|DIR|-")
    p.add_argument("-R", "--recursive", action="store_true")
    p.add_argument("--save-config", action="store_true",
                   help="record the manifest for later `apply`")
    p.add_argument("--image", action="append", default=[], help="image (create deployment)")
    p.add_argument("--replicas", type=int, default=1, help="replicas (create deployment)")
    p.add_argument("--port", type=int, help="container port (create deployment)")
    p.add_argument("--dry-run", choices=("none", "client", "server"), default="none",
                   help="client: only print; server: validate without storing")
    p.add_argument("-o", "--output", help="name, yaml, json: print the created objects")


async def run(s: Session, args: argparse.Namespace) -> int:
    if args.what:
        return await _from_flags(s, args)
    items = manifests.load(args.filename, s.stdin, recursive=args.recursive)
    errors: list[BaseException] = []
    for m in items:
        try:
            obj = with_namespace(s, m)
            if args.save_config:
                obj = with_last_applied(obj)
            created = await _create(s, args, m.kind, obj)
        except (ApiError, ConfigError) as e:
            errors.append(failures.with_source(e, "creating", m.source))
            continue
        _report(s, args, m.kind, created)
    for problem in errors:
        s.warn(failures.describe(problem))
    return 1 if errors else 0


async def _from_flags(s: Session, args: argparse.Namespace) -> int:
    what, *rest = args.what
    if len(rest) != 1:
        raise ConfigError(f"exactly one NAME is required for create {what}")
    name = rest[0]
    if what in ("namespace", "ns"):
        kind, obj = kinds.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                      "metadata": {"name": name}}
    elif what in ("deployment", "deploy"):
        kind, obj = kinds.DEPLOYMENT, deployment(name, s.namespace, args)
    else:
        raise ConfigError(f'unknown object to create: "{what}" (tinykube creates namespace '
                          "and deployment from flags; anything else with -f)")
    _report(s, args, kind, await _create(s, args, kind, obj))
    return 0


async def _create(s: Session, args: argparse.Namespace, kind: Kind, obj: Obj) -> Obj:
    ns = (obj.get("metadata") or {}).get("namespace") if kind.namespaced else None
    return await create_object(s, kind, obj, ns, dry_run=args.dry_run,
                               field_manager=FIELD_MANAGER)


async def create_object(s: Session, kind: Kind, obj: Obj, namespace: str | None, *,
                        dry_run: str, field_manager: str) -> Obj:
    """``obj`` as the server created it; ``--dry-run=client`` sends nothing and returns it
    as it is, ``server`` has it validated and defaulted without being stored."""
    if dry_run == "client":
        return obj
    return await s.client().create(kind, obj, namespace, dry_run=dry_run == "server",
                                   field_manager=field_manager)


def dry_run_note(dry_run: str) -> str:
    """What follows kubectl's success words under ``--dry-run``: `` (dry run)``..."""
    return DRY_RUN_NOTES.get(dry_run, "")


def _report(s: Session, args: argparse.Namespace, kind: Kind, obj: Obj) -> None:
    """``kind/name created`` (with the dry-run note), or the object in ``-o``'s format."""
    output = printers.parse_output(args.output)
    if output.format not in ("table", "name"):
        s.print(printers.render_objects(output, [(kind, obj)], single=True), end="")
        return
    name = printers.resource_name(kind, obj)
    s.print(name if output.format == "name" else f"{name} created{dry_run_note(args.dry_run)}")


def deployment(name: str, namespace: str, args: argparse.Namespace) -> Obj:
    """What ``kubectl create deployment NAME --image=IMG`` creates."""
    if not args.image:
        raise ConfigError("required flag(s) \"image\" not set")
    containers: list[Obj] = []
    for image in args.image:
        base = image.rsplit("/", 1)[-1].split("@")[0].split(":")[0]
        container: Obj = {"name": base, "image": image}
        if args.port is not None:
            container["ports"] = [{"containerPort": args.port}]
        containers.append(container)
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"replicas": args.replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": containers}}},
    }
