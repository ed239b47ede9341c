"""Writes through subresources: status, scale, namespaces/finalize and pods/binding.

Each is a transform handed to ``Registry.update_with``, so every one of them gets the
same resourceVersion preconditions, retries, dry runs and finalizer handling as a
plain update:

- ``status``: the stored object with the client's ``status`` (defaults and validation
  run; the spec cannot change this way);
- ``scale``: a Scale in, ``spec.replicas`` of the workload changed, a Scale out;
- ``finalize``: replaces a Namespace's ``spec.finalizers`` (the namespace controller
  empties it when the content is gone; the namespace then disappears);
- ``binding``: sets a pending pod's ``spec.nodeName`` once (the scheduler's write).
"""

from __future__ import annotations

from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, Conflict

from . import intake, objects, patching, scale
from .negotiation import PatchType
from .options import WriteOptions
from .registry import Outcome, Ref, Registry, patcher


async def update_status(reg: Registry, ref: Ref, body: Obj, opts: WriteOptions) -> Outcome:
    warnings = intake.admit(ref.kind, body, opts.field_validation)
    intake.place(ref.kind, body, ref.namespace, ref.name)
    return await reg.update_with(ref, lambda _: (objects.clone(body), warnings), opts,
                                 mode="status")


async def patch_status(reg: Registry, ref: Ref, ptype: PatchType, body: Any,
                       opts: WriteOptions) -> Outcome:
    return await reg.update_with(ref, patcher(ref, ptype, body, opts), opts, mode="status")


async def get_scale(reg: Registry, ref: Ref) -> Obj:
    return scale.to_scale(await reg.get(ref))


async def update_scale(reg: Registry, ref: Ref, body: Obj, opts: WriteOptions) -> Obj:
    intake.check_type(ref.kind, body, api_version=scale.API_VERSION, kind_name=scale.KIND)
    body_name = (body.get("metadata") or {}).get("name")
    if body_name and body_name != ref.name:
        raise BadRequest(f"the name of the object ({body_name}) does not match the name on "
                         f"the URL ({ref.name})")
    replicas = scale.requested_replicas(body, ref.name)
    rv = (body.get("metadata") or {}).get("resourceVersion")

    def transform(base: Obj) -> tuple[Obj, list[str]]:
        _set_replicas(base, replicas, rv)
        return base, []

    out = await reg.update_with(ref, transform, opts)
    return scale.to_scale(out.obj)


async def patch_scale(reg: Registry, ref: Ref, ptype: PatchType, body: Any,
                      opts: WriteOptions) -> Obj:
    def transform(base: Obj) -> tuple[Obj, list[str]]:
        patched = patching.apply_generic(ptype, scale.to_scale(base), body)
        replicas = scale.requested_replicas(patched, ref.name)
        _set_replicas(base, replicas, (patched.get("metadata") or {}).get("resourceVersion"))
        return base, []

    out = await reg.update_with(ref, transform, opts)
    return scale.to_scale(out.obj)


async def finalize(reg: Registry, ref: Ref, body: Obj, opts: WriteOptions) -> Outcome:
    intake.check_type(ref.kind, body)
    intake.place(ref.kind, body, None, ref.name)
    wanted = (body.get("spec") or {}).get("finalizers") or []
    if not isinstance(wanted, list) or not all(isinstance(f, str) for f in wanted):
        raise BadRequest("spec.finalizers must be a list of strings")
    rv = (body.get("metadata") or {}).get("resourceVersion")

    def transform(base: Obj) -> tuple[Obj, list[str]]:
        spec = base.setdefault("spec", {})
        if wanted:
            spec["finalizers"] = list(wanted)
        else:
            spec.pop("finalizers", None)
        if rv:
            meta.metadata(base)["resourceVersion"] = rv
        return base, []

    return await reg.update_with(ref, transform, opts, mode="raw")


async def bind(reg: Registry, ref: Ref, body: Obj, opts: WriteOptions) -> Outcome:
    """pods/binding: assign a pod to a node, once."""
    target = body.get("target") or {}
    node = target.get("name") if isinstance(target, dict) else None
    if not node or not isinstance(node, str):
        raise BadRequest("target.name: Required value")

    def transform(base: Obj) -> tuple[Obj, list[str]]:
        spec = base.setdefault("spec", {})
        current = spec.get("nodeName")
        if current:
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{ref.name}": pod {ref.name} '
                f'is already assigned to node "{current}"',
                name=ref.name, kind="pods/binding",
            )
        spec["nodeName"] = node
        _set_scheduled(base)
        return base, []

    return await reg.update_with(ref, transform, opts, mode="raw")


def _set_replicas(base: Obj, replicas: int, rv: Any) -> None:
    base.setdefault("spec", {})["replicas"] = replicas
    if rv:
        meta.metadata(base)["resourceVersion"] = rv


def _set_scheduled(pod: Obj) -> None:
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True",
                       "lastTransitionTime": meta.now()})
    status["conditions"] = conditions
