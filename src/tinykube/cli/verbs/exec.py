"""``exec POD [-c CONTAINER] [-i] [-t] -- COMMAND...``: run a command in a pod's container.

Talks ``v5.channel.k8s.io`` over a WebSocket to ``pods/exec`` (``cli.remote``); the exit
status is the command's. The node agent serves the other end; a cluster without one
answers that exec is not available, and this says so plainly.
"""

from __future__ import annotations

import argparse
from typing import Any

from tinykube.api import kinds, labels
from tinykube.api.meta import Obj
from tinykube.cli import remote
from tinykube.cli.session import Session
from tinykube.errors import BadRequest, ConfigError, NotFound


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("exec", parents=parents, help="run a command in a container",
                       usage="%(prog)s POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARG...]")
    p.add_argument("target", metavar="POD | TYPE/NAME")
    p.add_argument("words", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("-c", "--container", default="", help="container name")
    p.add_argument("-i", "--stdin", action="store_true", help="pass stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="stdin is a terminal")
    p.add_argument("-q", "--quiet", action="store_true", help="only the command's output")


async def run(s: Session, args: argparse.Namespace) -> int:
    command = list(args.command or []) or list(args.words)
    if not command:
        raise ConfigError("you must specify at least one command for the container")
    pod = await resolve_pod(s, args.target, quiet=args.quiet)
    container = pick_container(s, pod, args.container, quiet=args.quiet)
    name = pod["metadata"]["name"]
    params = [("command", c) for c in command] + [
        ("container", container), ("stdout", "true"), ("stderr", "true")]
    if args.stdin:
        params.append(("stdin", "true"))
    if args.tty:
        params.append(("tty", "true"))
    return await stream(s, "exec", name, params, stdin=args.stdin, tty=args.tty)


async def stream(s: Session, what: str, pod: str, params: list[tuple[str, str]], *,
                 stdin: bool, tty: bool) -> int:
    """``pods/exec`` or ``pods/attach`` of ``pod``, once more if the refusal was a race
    with the container starting; refusals explained (no node agent, pod not running)."""
    path = kinds.POD.path(s.namespace, pod) + f"/{what}"
    assert s.out is not None and s.err is not None
    for attempt in (1, 2):
        try:
            return await remote.interact(s.client(), path, params,
                                         stdin=s.stdin if stdin else None, tty=tty,
                                         out=s.out, err=s.err)
        except BadRequest as e:
            if "Upgrade request required" not in e.message:
                raise
            why = await _refusal(s, what, pod, e)
            if why is not None or attempt == 2:
                raise (why or e) from e
    raise AssertionError("unreachable")


async def _refusal(s: Session, what: str, pod: str, err: BadRequest) -> BadRequest | None:
    """Why pods/exec said "Upgrade request required"; None when it should work now."""
    nodes, _ = await s.client().list(kinds.NODE)
    if not nodes:
        return BadRequest(f"{what} is not available on this cluster yet: no node agent serves "
                          f"pods/{what} (the API answered: {err.message})")
    obj = await s.client().get(kinds.POD, pod, s.namespace)
    phase = (obj.get("status") or {}).get("phase") or "Pending"
    if phase != "Running":
        return BadRequest(f'pod "{pod}" is not running ({phase}): wait for it with '
                          f"`tinykube wait --for=condition=Ready pod/{pod}`")
    return None


async def resolve_pod(s: Session, target: str, *, quiet: bool = False) -> Obj:
    """A pod by name, or the first pod of ``deploy/NAME`` and the like (as kubectl picks)."""
    client = s.client()
    kind_word, sep, name = target.partition("/")
    if not sep:
        return await client.get(kinds.POD, target, s.namespace)
    kind = kinds.lookup(kind_word)
    if kind == kinds.POD:
        return await client.get(kinds.POD, name, s.namespace)
    owner = await client.get(kind, name, s.namespace)
    spec = owner.get("spec") or {}
    if kind == kinds.SERVICE:
        selector = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items())
    else:
        selector = str(labels.from_label_selector(spec.get("selector")))
    pods, _ = await client.list(kinds.POD, s.namespace, label_selector=selector)
    pods = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
    if not pods:
        raise NotFound(f"no pods found for {target}")
    pods.sort(key=_pod_rank)
    if len(pods) > 1 and not quiet:
        s.warn(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
    return pods[0]


def _pod_rank(pod: Obj) -> tuple[int, str]:
    phase = (pod.get("status") or {}).get("phase")
    order = {"Running": 0, "Pending": 1}.get(str(phase), 2)
    return order, str((pod.get("metadata") or {}).get("creationTimestamp") or "")


def pick_container(s: Session, pod: Obj, wanted: str, *, quiet: bool = False) -> str:
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    if wanted:
        if wanted not in names:
            pod_name = pod["metadata"]["name"]
            raise BadRequest(f"container {wanted} is not valid for pod {pod_name}")
        return wanted
    if not names:
        raise BadRequest(f"pod {pod['metadata']['name']} has no containers")
    if len(names) > 1 and not quiet:
        s.warn(f'Defaulted container "{names[0]}" out of: {", ".join(names)}')
    return names[0]
