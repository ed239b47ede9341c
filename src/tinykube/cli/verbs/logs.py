"""``logs POD|TYPE/NAME [-c CONTAINER] [-f] [--tail N]``: a container's output.

A plain ``GET pods/NAME/log`` (streamed with ``-f``). For ``deploy/NAME`` and the like the
pod is picked as kubectl picks it. The node agent keeps the logs; a cluster without one
answers that there is no log source, and this says so.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api import kinds
from tinykube.cli.remote import _write
from tinykube.cli.session import Session
from tinykube.cli.verbs.exec import pick_container, resolve_pod


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("logs", parents=parents, help="print the logs of a container")
    p.add_argument("target", metavar="POD | TYPE/NAME")
    p.add_argument("container_arg", nargs="?", metavar="CONTAINER", help=argparse.SUPPRESS)
    p.add_argument("-c", "--container", default="", help="container name")
    p.add_argument("-f", "--follow", action="store_true", help="stream new output")
    p.add_argument("--tail", type=int, default=-1, help="only the last N lines")
    p.add_argument("-p", "--previous", action="store_true", help="the previous instance")
    p.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    p.add_argument("--since", type=int, default=0, metavar="SECONDS",
                   help="only lines newer than this many seconds")


async def run(s: Session, args: argparse.Namespace) -> int:
    pod = await resolve_pod(s, args.target)
    container = pick_container(s, pod, args.container or args.container_arg or "")
    params = {"container": container}
    if args.follow:
        params["follow"] = "true"
    if args.tail >= 0:
        params["tailLines"] = str(args.tail)
    if args.previous:
        params["previous"] = "true"
    if args.timestamps:
        params["timestamps"] = "true"
    if args.since > 0:
        params["sinceSeconds"] = str(args.since)
    path = kinds.POD.path(s.namespace, pod["metadata"]["name"]) + "/log"
    assert s.out is not None
    if args.follow:
        async for chunk in s.client().stream(path, params):
            _write(s.out, chunk)
        return 0
    _write(s.out, await s.client().get_raw(path, params=params))
    return 0
