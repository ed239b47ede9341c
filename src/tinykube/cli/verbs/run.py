"""``run NAME --image=IMAGE [-- COMMAND...]``: start one pod, optionally attached (``-it``).

The pod is kubectl's: label ``run=NAME``, one container named NAME, arguments after ``--``
as its ``args`` (``command`` with ``--command``), ``restartPolicy`` from ``--restart``.
``-i``/``-t`` wait for it to run and attach over ``pods/attach`` (``cli.remote``); ``--rm``
deletes it afterwards. Pods run on the node agent: a cluster with no node says so at once
instead of waiting for a pod that nothing will start.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tinykube.api import kinds
from tinykube.api.meta import Obj
from tinykube.cli import printers
from tinykube.cli.session import Session
from tinykube.cli.verbs.create import create_object, dry_run_note
from tinykube.cli.verbs.exec import stream
from tinykube.errors import ConfigError, NotFound

FIELD_MANAGER = "tinykube-run"
POLL = 0.25


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", parents=parents, help="run a pod",
                       usage="%(prog)s NAME --image=IMAGE [-it] [--rm] [-- COMMAND [ARG...]]")
    p.add_argument("name", metavar="NAME")
    p.add_argument("words", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--image", required=True, help="the container image")
    p.add_argument("--restart", default="Always", choices=("Always", "OnFailure", "Never"))
    p.add_argument("--command", dest="as_command", action="store_true",
                   help="the words after -- are the command, not its arguments")
    p.add_argument("-l", "--labels", default="", help="labels, k=v,... (default run=NAME)")
    p.add_argument("--env", action="append", default=[], help="K=V environment (repeatable)")
    p.add_argument("--port", type=int, help="the container port")
    p.add_argument("-i", "--stdin", action="store_true", help="attach stdin")
    p.add_argument("-t", "--tty", action="store_true", help="allocate a terminal")
    p.add_argument("--rm", action="store_true", help="delete the pod when it exits")
    p.add_argument("--pod-running-timeout", type=float, default=60.0,
                   help="seconds to wait for the pod to run (default 60)")
    p.add_argument("--dry-run", choices=("none", "client", "server"), default="none")
    p.add_argument("-o", "--output", help="yaml, json, name (print the pod)")


async def run(s: Session, args: argparse.Namespace) -> int:
    pod = pod_for(args, s.namespace)
    if args.rm and not (args.stdin or args.tty):
        raise ConfigError("--rm should only be used for attached containers")
    created = await create_object(s, kinds.POD, pod, s.namespace, dry_run=args.dry_run,
                                  field_manager=FIELD_MANAGER)
    if args.output:
        output = printers.parse_output(args.output)
        s.print(printers.render_objects(output, [(kinds.POD, created)], single=True), end="")
        return 0
    if not (args.stdin or args.tty):
        s.print(f"pod/{args.name} created{dry_run_note(args.dry_run)}")
        return 0
    try:
        return await _attach(s, args)
    finally:
        if args.rm:
            await _remove(s, args.name)


async def _attach(s: Session, args: argparse.Namespace) -> int:
    nodes, _ = await s.client().list(kinds.NODE)
    if not nodes:
        raise ConfigError(
            f"pod/{args.name} was created, but this cluster has no node agent to run it yet, "
            "so there is nothing to attach to. Run the pod without -i/-t, or use "
            "`tinykube exec` once pods run.")
    try:
        async with asyncio.timeout(args.pod_running_timeout):
            await _wait_phase(s, args.name, ("Running", "Succeeded", "Failed"))
    except TimeoutError:
        raise ConfigError(f"timed out waiting for pod/{args.name} to run") from None
    params = [("container", args.name), ("stdout", "true"), ("stderr", "true")]
    if args.stdin:
        params.append(("stdin", "true"))
    if args.tty:
        params.append(("tty", "true"))
    if args.tty and args.stdin:
        s.warn("If you don't see a command prompt, try pressing enter.")
    await stream(s, "attach", args.name, params, stdin=args.stdin, tty=args.tty)
    if args.restart != "Never":
        return 0
    try:
        async with asyncio.timeout(args.pod_running_timeout):
            pod = await _wait_phase(s, args.name, ("Succeeded", "Failed"))
    except TimeoutError:
        raise ConfigError(f"timed out waiting for pod/{args.name} to finish") from None
    return exit_code(pod, s)


def exit_code(pod: Obj, s: Session) -> int:
    """kubectl's rule after ``run --restart=Never -i``: the container's exit status."""
    md, status = pod.get("metadata") or {}, pod.get("status") or {}
    if status.get("phase") == "Succeeded":
        return 0
    statuses = status.get("containerStatuses") or []
    done = ((statuses[0].get("state") or {}).get("terminated") or {}) if statuses else {}
    code = int(done.get("exitCode") or 0)
    where = f"{md.get('namespace', '')}/{md.get('name', '')}"
    if code == 0:
        s.warn(f"error: pod {where} failed with unknown exit code")
        return 1
    s.warn(f"pod {where} terminated ({done.get('reason', '')})\n{done.get('message', '')}"
           .rstrip("\n"))
    return code


async def _wait_phase(s: Session, name: str, phases: tuple[str, ...]) -> Obj:
    while True:
        pod = await s.client().get(kinds.POD, name, s.namespace)
        if (pod.get("status") or {}).get("phase") in phases:
            return pod
        await asyncio.sleep(POLL)


async def _remove(s: Session, name: str) -> None:
    try:
        await s.client().delete(kinds.POD, name, s.namespace)
    except NotFound:
        return
    s.print(f'pod "{name}" deleted')


def pod_for(args: argparse.Namespace, namespace: str) -> Obj:
    """The pod ``kubectl run`` creates."""
    labels = dict(p.split("=", 1) for p in args.labels.split(",") if "=" in p) \
        if args.labels else {"run": args.name}
    container: Obj = {"name": args.name, "image": args.image}
    words = list(args.command or []) or list(args.words)
    if words:
        container["command" if args.as_command else "args"] = words
    if args.env:
        container["env"] = [{"name": k, "value": v}
                            for k, _, v in (e.partition("=") for e in args.env)]
    if args.port is not None:
        container["ports"] = [{"containerPort": args.port}]
    if args.stdin:
        container["stdin"] = True
        container["stdinOnce"] = True
    if args.tty:
        container["tty"] = True
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": args.name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [container], "restartPolicy": args.restart},
    }
