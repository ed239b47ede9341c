"""``describe``: a readable page per object, in kubectl's layout (``cli.describe``).

``describe TYPE NAME`` falls back to every object whose name starts with NAME, as kubectl
does; ``describe TYPE`` (or ``-l``) describes them all. Pages are separated by a blank
line pair, like kubectl's.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import describe as pages
from tinykube.cli import failures, resources
from tinykube.cli.session import Session
from tinykube.cli.verbs.get import no_resources
from tinykube.errors import ApiError, NotFound


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("describe", parents=parents, help="show details of resources")
    p.add_argument("resources", nargs="+", metavar="TYPE [NAME_PREFIX] | TYPE/NAME")
    p.add_argument("-l", "--selector", default="", help="label selector")
    p.add_argument("-A", "--all-namespaces", action="store_true")


async def run(s: Session, args: argparse.Namespace) -> int:
    parsed = resources.parse(args.resources, "describe")
    client = s.client()
    found: list[tuple[Kind, Obj, bool]] = []  # kind, object, found by prefix
    errors: list[ApiError] = []
    for r in parsed.requests:
        ns = None if (args.all_namespaces or not r.kind.namespaced) else s.namespace
        try:
            if r.name is None:
                items, _ = await client.list(r.kind, ns, label_selector=args.selector)
                found.extend((r.kind, o, False) for o in items)
            else:
                objs, by_prefix = await _named(s, r.kind, r.name, ns)
                found.extend((r.kind, o, by_prefix) for o in objs)
        except ApiError as e:
            errors.append(e)
    text, first = "", True
    for kind, obj, by_prefix in found:
        page = await pages.page(client, kind, obj)
        # kubectl: pages apart by a blank line pair; prefix matches each end in a newline
        text += page + "\n" if by_prefix else (page if first else "\n\n" + page)
        first = False
    if text:
        s.print(text, end="")
    elif not errors:
        s.warn(no_resources(s, args, parsed))
    for problem in errors:
        s.warn(failures.describe(problem))
    return 1 if errors else 0


async def _named(s: Session, kind: Kind, name: str, ns: str | None) -> tuple[list[Obj], bool]:
    """The object named ``name``, else every object whose name starts with it (and True)."""
    client = s.client()
    try:
        return [await client.get(kind, name, ns)], False
    except NotFound as missing:
        items, _ = await client.list(kind, ns)
        matches = [o for o in items if str((o.get("metadata") or {}).get("name", ""))
                   .startswith(name)]
        if not matches:
            raise missing from None
        return matches, True
