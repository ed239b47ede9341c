"""``scale``: set the replicas of a Deployment, ReplicaSet or StatefulSet (``/scale``)."""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api import kinds
from tinykube.cli import printers, resources
from tinykube.cli.session import Session
from tinykube.errors import ConfigError, Conflict

SCALABLE = (kinds.DEPLOYMENT, kinds.REPLICA_SET, kinds.STATEFUL_SET)


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("scale", parents=parents, help="set the number of replicas")
    p.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("--replicas", type=int, required=True, help="the new number of replicas")
    p.add_argument("--current-replicas", type=int, default=-1,
                   help="only scale if the current number is this")


async def run(s: Session, args: argparse.Namespace) -> int:
    if args.replicas < 0:
        raise ConfigError("The --replicas=COUNT flag is required, and COUNT must be "
                          "greater than or equal to 0")
    parsed = resources.parse(args.resources, "scale")
    if not parsed.by_name:
        raise ConfigError("resource(s) were provided, but no name was specified")
    client = s.client()
    for r in parsed.requests:
        if r.kind not in SCALABLE:
            raise ConfigError(f'no scaler has been implemented for {{"{r.kind.group}" '
                              f'"{r.kind.kind}"}}')
        name = r.name or ""
        if args.current_replicas >= 0:
            scale = await client.get(r.kind, name, s.namespace, subresource="scale")
            current = (scale.get("spec") or {}).get("replicas", 0)
            if current != args.current_replicas:
                raise Conflict(f"Expected replicas to be {args.current_replicas}, was {current}")
            scale.setdefault("spec", {})["replicas"] = args.replicas
            await client.update(r.kind, scale, subresource="scale")
        else:
            await client.get(r.kind, name, s.namespace)
            await client.patch(r.kind, name, {"spec": {"replicas": args.replicas}},
                               s.namespace, subresource="scale")
        s.print(f"{printers.kind_prefix(r.kind)}/{name} scaled")
    return 0
