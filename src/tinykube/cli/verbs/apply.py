"""``apply -f``: make the cluster match manifests, remembering what was applied.

Client-side apply is kubectl's: each object carries the
``kubectl.kubernetes.io/last-applied-configuration`` annotation (its manifest as compact
JSON); an object that does not exist is created with it, an existing one gets the
three-way strategic merge patch of ``cli.threeway`` (what the user removed since the last
apply, plus what differs from the live object), or nothing when that patch is empty. So
fields set by others (a ClusterIP, a NodePort, ``replicas`` changed by ``scale``) stay
unless the manifest says otherwise. ``--server-side`` sends the manifest as an apply patch
with field manager ``tinykube`` instead. Objects are applied in order; failures are
reported at the end and make the exit status 1.
"""

from __future__ import annotations

import argparse
import copy
import json
from typing import Any

from tinykube.api.meta import Obj
from tinykube.cli import encoding, failures, manifests, printers
from tinykube.cli.manifests import Manifest
from tinykube.cli.session import Session
from tinykube.cli.threeway import three_way
from tinykube.errors import ApiError, ConfigError, NotFound, TinykubeError

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CLIENT_SIDE_MANAGER = "tinykube-client-side-apply"
SERVER_SIDE_MANAGER = "tinykube"


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("apply", parents=parents,
                       help="apply a configuration to resources from files or stdin")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="FILE|DIR|-",
                   help="manifest file, directory or - for stdin (repeatable)")
    p.add_argument("-R", "--recursive", action="store_true", help="descend into directories")
    p.add_argument("--server-side", action="store_true", help="server-side apply")
    p.add_argument("--force-conflicts", action="store_true",
                   help="take over fields other managers own (server-side apply)")
    p.add_argument("--field-manager", default="", help="field manager (server-side apply)")
    p.add_argument("-o", "--output", choices=("name",), help="print only kind/name")


async def run(s: Session, args: argparse.Namespace) -> int:
    items = manifests.load(args.filename, s.stdin, recursive=args.recursive)
    errors: list[BaseException] = []
    for m in items:
        try:
            obj = with_namespace(s, m)
            verb = await (_server_side(s, args, m, obj) if args.server_side
                          else _client_side(s, m, obj))
        except (ApiError, ConfigError) as e:
            errors.append(failures.with_source(e, _doing(e), m.source))
            continue
        name = printers.resource_name(m.kind, obj)
        s.print(name if args.output == "name" else f"{name} {verb}")
    for problem in errors:
        s.warn(failures.describe(problem))
    return 1 if errors else 0


def _doing(e: BaseException) -> str:
    return "applying" if not isinstance(e, NotFound) else "retrieving"


def with_namespace(s: Session, m: Manifest) -> Obj:
    """The manifest's object in the namespace it goes to (``-n`` or its own, not both)."""
    obj = copy.deepcopy(m.obj)
    if not m.kind.namespaced:
        return obj
    md = obj.setdefault("metadata", {})
    own = md.get("namespace")
    if own and s.explicit_namespace and own != s.namespace:
        raise ConfigError(
            f'the namespace from the provided object "{own}" does not match the namespace '
            f'"{s.namespace}". You must pass \'--namespace={own}\' to perform this operation.')
    md["namespace"] = own or s.namespace
    return obj


def with_last_applied(obj: Obj) -> Obj:
    """``obj`` with the last-applied annotation set to its own JSON (kubectl's
    ``GetModifiedConfiguration``: annotations present, even if empty, in what is saved)."""
    out = copy.deepcopy(obj)
    md = out.setdefault("metadata", {})
    annotations = dict(md.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    md["annotations"] = annotations
    saved = encoding.go_json(out) + "\n"
    md["annotations"] = {**annotations, LAST_APPLIED: saved}
    return out


def last_applied(live: Obj) -> Obj | None:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def _client_side(s: Session, m: Manifest, obj: Obj) -> str:
    name = str((obj.get("metadata") or {}).get("name") or "")
    if not name:
        raise ConfigError("resource name may not be empty")
    ns = (obj.get("metadata") or {}).get("namespace")
    client = s.client()
    modified = with_last_applied(obj)
    try:
        live = await client.get(m.kind, name, ns)
    except NotFound:
        await client.create(m.kind, modified, ns, field_manager=CLIENT_SIDE_MANAGER)
        return "created"
    original = last_applied(live)
    if original is None:
        s.warn(f"Warning: resource {m.kind.group_resource}/{name} is missing the "
               f"{LAST_APPLIED} annotation which is required by tinykube apply. "
               "tinykube apply should only be used on resources created declaratively by "
               "either tinykube create --save-config or tinykube apply. The missing "
               "annotation will be patched automatically.")
    try:
        patch = three_way(m.kind, original, modified, live)
    except TinykubeError as e:
        raise ConfigError(f"cannot compute the patch for {name}: {e}") from e
    if not patch:
        return "unchanged"
    await client.patch(m.kind, name, patch, ns, patch_type="strategic",
                       field_manager=CLIENT_SIDE_MANAGER)
    return "configured"


async def _server_side(s: Session, args: argparse.Namespace, m: Manifest, obj: Obj) -> str:
    md = obj.get("metadata") or {}
    name = str(md.get("name") or "")
    if not name:
        raise ConfigError("resource name may not be empty")
    await s.client().patch(m.kind, name, obj, md.get("namespace"), patch_type="apply",
                           field_manager=args.field_manager or SERVER_SIDE_MANAGER,
                           force=args.force_conflicts)
    return "serverside-applied"
