"""``rollout status|restart deployment/NAME`` (and StatefulSets).

``status`` watches the object and prints kubectl's progress lines (``Waiting for
deployment "web" rollout to finish: 1 of 2 updated replicas are available...``) until
``deployment "web" successfully rolled out``; like kubectl's informer it lists again when
a watch ends. ``restart`` stamps the pod template so the controller rolls new pods.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli import printers, resources
from tinykube.cli.session import Session
from tinykube.errors import ConfigError, Expired

ROLLABLE = (kinds.DEPLOYMENT, kinds.STATEFUL_SET)
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("rollout", parents=parents, help="watch or restart a rollout")
    p.add_argument("action", choices=("status", "restart"))
    p.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("-w", "--watch", default="true", choices=("true", "false"),
                   help="keep watching until done (default true)")
    p.add_argument("--timeout", type=float, default=0.0,
                   help="seconds to wait before giving up (0: forever)")


async def run(s: Session, args: argparse.Namespace) -> int:
    parsed = resources.parse(args.resources, "rollout")
    if not parsed.by_name:
        raise ConfigError("resource(s) were provided, but no name was specified")
    for r in parsed.requests:
        if r.kind not in ROLLABLE:
            raise ConfigError(f"no status viewer has been implemented for {r.kind.kind}")
        name = r.name or ""
        if args.action == "restart":
            await _restart(s, r.kind, name)
            continue
        timeout = args.timeout or None
        try:
            await asyncio.wait_for(_status(s, r.kind, name, args.watch == "true"), timeout)
        except TimeoutError:
            raise ConfigError("timed out waiting for the condition") from None
    return 0


async def _restart(s: Session, kind: Kind, name: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
    await s.client().patch(kind, name, patch, s.namespace, patch_type="strategic",
                           field_manager="tinykube-rollout")
    s.print(f"{printers.kind_prefix(kind)}/{name} restarted")


async def _status(s: Session, kind: Kind, name: str, watch: bool) -> None:
    client = s.client()
    last = ""
    selector = f"metadata.name={name}"
    while True:
        obj = await client.get(kind, name, s.namespace)
        message, done = status_of(kind, obj)
        if message != last:
            s.print(message, end="")
            last = message
        if done or not watch:
            return
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        try:
            async for event in client.watch(kind, s.namespace, resource_version=rv,
                                            field_selector=selector):
                if event.type not in ("ADDED", "MODIFIED"):
                    continue
                message, done = status_of(kind, event.object)
                if message != last:
                    s.print(message, end="")
                    last = message
                if done:
                    return
        except Expired:
            continue


def status_of(kind: Kind, obj: Obj) -> tuple[str, bool]:
    """kubectl's status viewers: the line to print, and whether the rollout is done."""
    if kind == kinds.STATEFUL_SET:
        return _stateful_set(obj)
    return _deployment(obj)


def _deployment(d: Obj) -> tuple[str, bool]:
    md, spec, st = (d.get(k) or {} for k in ("metadata", "spec", "status"))
    name = md.get("name", "")
    if md.get("generation", 0) > st.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n", False
    for c in st.get("conditions") or []:
        if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
            raise ConfigError(f'deployment "{name}" exceeded its progress deadline')
    want = spec.get("replicas", 1)
    updated = st.get("updatedReplicas", 0)
    total, available = st.get("replicas", 0), st.get("availableReplicas", 0)
    if updated < want:
        return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} '
                "new replicas have been updated...\n"), False
    if total > updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {total - updated} old '
                "replicas are pending termination...\n"), False
    if available < updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {available} of '
                f"{updated} updated replicas are available...\n"), False
    return f'deployment "{name}" successfully rolled out\n', True


def _stateful_set(sts: Obj) -> tuple[str, bool]:
    md, spec, st = (sts.get(k) or {} for k in ("metadata", "spec", "status"))
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        raise ConfigError("rollout status is only available for RollingUpdate strategy type")
    if not st.get("observedGeneration") or md.get("generation", 0) > st["observedGeneration"]:
        return "Waiting for statefulset spec update to be observed...\n", False
    want, ready = spec.get("replicas", 1), st.get("readyReplicas", 0)
    if ready < want:
        return f"Waiting for {want - ready} pods to be ready...\n", False
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        updated, partition = st.get("updatedReplicas", 0), rolling.get("partition")
        if partition is not None and updated < want - partition:
            return (f"Waiting for partitioned roll out to finish: {updated} out of "
                    f"{want - partition} new pods have been updated...\n"), False
        return f"partitioned roll out complete: {updated} new pods have been updated...\n", True
    if st.get("updateRevision") != st.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete "
                f"{st.get('updatedReplicas', 0)} pods at revision "
                f"{st.get('updateRevision', '')}...\n"), False
    return (f"statefulset rolling update complete {st.get('currentReplicas', 0)} pods at "
            f"revision {st.get('currentRevision', '')}...\n"), True
