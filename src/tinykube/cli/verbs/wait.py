"""``wait --for=condition=Ready pod/NAME``: block until objects reach a state.

kubectl's three forms: ``--for=condition=NAME[=VALUE]`` (a ``status.conditions`` entry,
``True`` by default), ``--for=delete`` (gone), ``--for=jsonpath='{.status.phase}'=Running``.
Each object met prints ``pod/web-0 condition met`` (``deleted`` for ``delete``); the
``--timeout`` (``30s``, ``2m``, seconds) ends the wait with kubectl's ``timed out waiting
for the condition on pods/web-0``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import jsonpath, printers, resources
from tinykube.cli.session import Session
from tinykube.errors import ConfigError, NotFound

POLL = 0.25
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("wait", parents=parents, help="wait for a condition on resources")
    p.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("--for", dest="for_", required=True,
                   help="condition=Ready, delete, or jsonpath='{...}'=VALUE")
    p.add_argument("--timeout", default="30s", help="how long to wait (default 30s)")
    p.add_argument("-l", "--selector", default="", help="label selector")
    p.add_argument("--all", action="store_true", help="every object of the type")


@dataclass(frozen=True)
class Goal:
    """What ``--for`` asks: a test of the live object (None once it is gone)."""

    met: Callable[[Obj | None], bool]
    word: str  # what is printed when met


def parse_for(text: str) -> Goal:
    if text == "delete":
        return Goal(lambda obj: obj is None, "deleted")
    if text.startswith("condition="):
        name, _, value = text[len("condition="):].partition("=")
        return Goal(lambda obj: _condition(obj, name.lower(), value or "True"),
                    "condition met")
    if text.startswith("jsonpath="):
        template, sep, value = text[len("jsonpath="):].rpartition("=")
        if not sep:
            raise ConfigError("jsonpath wait format must be --for=jsonpath='{.status.x}'=value")
        template = template.strip("'\"")
        jsonpath.parse(template)
        return Goal(lambda obj: obj is not None and jsonpath.render(template, obj) == value,
                    "condition met")
    raise ConfigError(f"unrecognized condition: {text!r}")


def _condition(obj: Obj | None, name: str, value: str) -> bool:
    if obj is None:
        return False
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(str(c.get("type", "")).lower() == name and str(c.get("status")) == value
               for c in conditions)


def parse_timeout(text: str) -> float:
    m = _DURATION.match(text.strip())
    if not m:
        raise ConfigError(f'invalid argument "{text}" for "--timeout" flag')
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]
    return float(m.group(1)) * scale


async def run(s: Session, args: argparse.Namespace) -> int:
    goal = parse_for(args.for_)
    timeout = parse_timeout(args.timeout)
    targets = await _targets(s, args)
    for kind, name in targets:
        try:
            async with asyncio.timeout(timeout):
                await _until(s, kind, name, goal)
        except TimeoutError:
            raise ConfigError(f"timed out waiting for the condition on "
                              f"{kind.group_resource}/{name}") from None
        s.print(f"{printers.kind_prefix(kind)}/{name} {goal.word}")
    return 0


async def _targets(s: Session, args: argparse.Namespace) -> list[tuple[Kind, str]]:
    parsed = resources.parse(args.resources, "wait")
    if parsed.by_name:
        return [(r.kind, r.name or "") for r in parsed.requests]
    if not (args.all or args.selector):
        raise ConfigError("resource(s) were provided, but no name was specified")
    out: list[tuple[Kind, str]] = []
    for r in parsed.requests:
        items, _ = await s.client().list(r.kind, s.namespace if r.kind.namespaced else None,
                                         label_selector=args.selector)
        out.extend((r.kind, str((o.get("metadata") or {}).get("name"))) for o in items)
    if not out:
        raise ConfigError("no matching resources found")
    return out


async def _until(s: Session, kind: Kind, name: str, goal: Goal) -> None:
    ns = s.namespace if kind.namespaced else None
    while True:
        try:
            obj: Obj | None = await s.client().get(kind, name, ns)
        except NotFound:
            if not goal.met(None):
                raise
            return
        if goal.met(obj):
            return
        await asyncio.sleep(POLL)
