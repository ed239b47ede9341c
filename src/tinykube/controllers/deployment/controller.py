"""The Deployment controller's shell: ReplicaSets scaled one rollout step at a time.

A reconcile (``syncDeployment``) claims the ReplicaSets the Deployment's selector matches,
finds or creates the new one (``revisions``), then takes one step and writes the status:

- a change of ``spec.replicas`` (or a paused Deployment) is a scaling event: sizes are
  spread over the active ReplicaSets (``rollout.scale_sizes``);
- RollingUpdate: grow the new ReplicaSet within ``maxSurge``, else shrink old ones within
  ``maxUnavailable``; Recreate: shrink old ones to 0, wait until their pods are gone,
  then grow the new one;
- once complete, old ReplicaSets beyond ``revisionHistoryLimit`` are deleted.

Each step's writes wake it again through the ReplicaSet informer; a rollout with a
progress deadline is requeued for when the deadline passes. ``ScalingReplicaSet`` events
say what was scaled ("Scaled up replica set my-nginx-6f6bcdf657 from 0 to 2"). The
Deployment's own ``deployment.kubernetes.io/revision`` annotation is written with a plain
update (tinykube's status subresource keeps metadata), its status with the status one.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from datetime import UTC
from typing import Any

from tinykube.api import kinds, labels, meta
from tinykube.api.meta import Obj
from tinykube.controllers import claims
from tinykube.controllers import pods as podstate
from tinykube.controllers.deployment import revisions, rollout
from tinykube.controllers.deployment import status as dstatus
from tinykube.controllers.events import Recorder
from tinykube.controllers.reconcile import object_key
from tinykube.controllers.templatehash import compute_hash
from tinykube.controllers.workload import Now, WorkloadController, utcnow
from tinykube.errors import AlreadyExists, ApiError, BadRequest, NotFound, Retry
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.cache import by_owner_uid
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

OWNER_INDEX = "owner-uid"


class DeploymentController(WorkloadController):
    name = "deployment"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 recorder: Recorder | None = None, workers: int = 2,
                 clock: Clock | None = None, now: Now = utcnow) -> None:
        super().__init__(api, informers=informers, recorder=recorder, workers=workers,
                         clock=clock, now=now)
        self._deployments = self.informers.informer(kinds.DEPLOYMENT)
        self._sets = self.informers.informer(kinds.REPLICA_SET)
        self._pods = self.informers.informer(kinds.POD)
        self._pods.index(OWNER_INDEX, by_owner_uid)
        self.watch(self._deployments, object_key)
        self.watch(self._sets, self._keys_of_set)
        self.watch(self._pods, lambda _: [])
        self._pods.add_handlers(on_delete=self._pod_deleted)

    # ------------------------------------------------------------------ wiring

    def _keys_of_set(self, rs: Obj) -> list[str]:
        ref = meta.controller_of(rs)
        if ref is not None:
            return ([f"{meta.namespace(rs)}/{ref.get('name')}"]
                    if ref.get("kind") == "Deployment" else [])
        out = []
        for d in self._deployments.list(meta.namespace(rs)):
            with contextlib.suppress(BadRequest):
                sel = labels.from_label_selector((d.get("spec") or {}).get("selector"))
                if not sel.empty() and sel.matches(meta.labels(rs)):
                    out.append(meta.key_of(d))
        return out

    def _pod_deleted(self, pod: Obj) -> None:
        """A Recreate rollout waits for old pods to be gone."""
        ref = meta.controller_of(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self._sets.find(str(ref.get("name")), meta.namespace(pod))
        if rs is not None:
            self._enqueue(self._keys_of_set(rs))

    # ------------------------------------------------------------------ reconcile

    async def reconcile(self, key: str) -> None:
        cached = self._deployments.get(key)
        if cached is None:
            return
        d = copy.deepcopy(cached)
        sel = labels.from_label_selector((d.get("spec") or {}).get("selector"))
        if sel.empty():
            self._event(d, "Warning", "SelectingAll", "This deployment is selecting all "
                        "pods. A non-empty selector is required.")
            return
        sets = await self._claim(d, sel)
        if meta.is_terminating(d):
            new, old = await self._new_and_old(d, sets, create=False)
            await self._write_status(d, dstatus.calculate(d, _all(new, old), new,
                                                          self._stamp()))
            return
        cond = dstatus.paused_condition(d, self._stamp())
        if cond is not None:
            status = copy.deepcopy(d.get("status") or {})
            dstatus.set_condition(status, cond)
            d = await self._write_status(d, status)
        if (d.get("spec") or {}).get("paused") or rollout.is_scaling_event(d, sets):
            await self._sync(d, sets)
        elif rollout.is_rolling(d):
            await self._rolling(d, sets)
        else:
            await self._recreate(d, sets)

    async def _claim(self, d: Obj, sel: labels.Selector) -> list[Obj]:
        found = claims.claim(d, sel, self._sets.list(meta.namespace(d)))
        return await self._settle(kinds.REPLICA_SET, d, found)

    # ------------------------------------------------------------------ strategies

    async def _sync(self, d: Obj, sets: list[Obj]) -> None:
        """A scaling event or a paused Deployment: resize, no rollout."""
        new, old = await self._new_and_old(d, sets, create=False)
        status_replicas = int((d.get("status") or {}).get("replicas") or 0)
        by_name = {meta.name(rs): rs for rs in _all(new, old)}
        for name, size in rollout.scale_sizes(d, new, old, status_replicas).items():
            by_name[name] = await self._scale(d, by_name[name], size)
        new = by_name.get(meta.name(new)) if new is not None else None
        old = [by_name[meta.name(rs)] for rs in old]
        if (d.get("spec") or {}).get("paused"):
            await self._cleanup(d, old)
        await self._write_status(d, dstatus.calculate(d, _all(new, old), new, self._stamp()))

    async def _rolling(self, d: Obj, sets: list[Obj]) -> None:
        new, old = await self._new_and_old(d, sets, create=True)
        assert new is not None
        want = rollout.replicas(d)
        if rollout.replicas(new) != want:
            size = want if rollout.replicas(new) > want else rollout.new_rs_replicas(
                d, _all(new, old), new)
            if size != rollout.replicas(new):
                new = await self._scale(d, new, size)
                await self._rollout_status(d, new, old)
                return
        shrink = rollout.scale_down_old(d, _all(new, old), old, new)
        if shrink:
            old = [await self._scale(d, rs, shrink[meta.name(rs)])
                   if meta.name(rs) in shrink else rs for rs in old]
            await self._rollout_status(d, new, old)
            return
        if dstatus.complete(d, d.get("status") or {}):
            await self._cleanup(d, old)
        await self._rollout_status(d, new, old)

    async def _recreate(self, d: Obj, sets: list[Obj]) -> None:
        new, old = await self._new_and_old(d, sets, create=False)
        scaled = False
        for i, rs in enumerate(old):
            if rollout.replicas(rs) != 0:
                old[i] = await self._scale(d, rs, 0)
                scaled = True
        if scaled or self._old_pods_running(old):
            await self._rollout_status(d, new, old)
            return
        if new is None:
            new, old = await self._new_and_old(d, sets, create=True)
            assert new is not None
        new = await self._scale(d, new, rollout.replicas(d))
        if dstatus.complete(d, d.get("status") or {}):
            await self._cleanup(d, old)
        await self._rollout_status(d, new, old)

    def _old_pods_running(self, old: list[Obj]) -> bool:
        if sum(rollout.actual(rs) for rs in old) > 0:
            return True
        return any(not podstate.is_terminal(p) for rs in old
                   for p in self._pods.by_index(OWNER_INDEX, meta.uid(rs)))

    # ------------------------------------------------------------------ the new ReplicaSet

    async def _new_and_old(self, d: Obj, sets: list[Obj], *, create: bool,
                           ) -> tuple[Obj | None, list[Obj]]:
        new = revisions.find_new(d, sets)
        old = [rs for rs in sets if rs is not new]
        rev = revisions.max_revision(old) + 1
        if new is not None:
            updated = revisions.updated_new(d, new, rev)
            if updated is not None:
                new = await self._api.update(kinds.REPLICA_SET, updated)
            await self._note_new(d, new, found=True)
        elif create:
            new = await self._create_new(d, old, rev)
            await self._note_new(d, new, found=False)
        return new, old

    async def _create_new(self, d: Obj, old: list[Obj], rev: int) -> Obj:
        collisions = (d.get("status") or {}).get("collisionCount")
        pod_hash = compute_hash(revisions.template_of(d), collisions)
        rs = revisions.build_new(d, pod_hash, 0, rev, rollout.scale_annotations(d))
        rs["spec"]["replicas"] = rollout.new_rs_replicas(d, [*old, rs], rs)
        try:
            created = await self._api.create(kinds.REPLICA_SET, rs, meta.namespace(d))
        except AlreadyExists as e:
            existing = self._sets.find(meta.name(rs), meta.namespace(d))
            if existing is None:
                raise Retry(0.2, "replica set exists but is not cached yet") from e
            if ((meta.controller_of(existing) or {}).get("uid") == meta.uid(d)
                    and revisions.equal_ignore_hash(revisions.template_of(existing),
                                                    revisions.template_of(d))):
                return existing
            status = copy.deepcopy(d.get("status") or {})
            status["collisionCount"] = int(collisions or 0) + 1
            await self._write_status(d, status)
            raise Retry(0.05, f"hash collision on {meta.name(rs)}") from e
        except ApiError as e:
            msg = f'Failed to create new replica set "{meta.name(rs)}": {e}'
            if dstatus.has_deadline(d):
                status = copy.deepcopy(d.get("status") or {})
                dstatus.set_condition(status, dstatus.new_condition(
                    dstatus.PROGRESSING, "False", dstatus.FAILED_RS_CREATE, msg, self._stamp()))
                await self._write_status(d, status)
            self._event(d, "Warning", dstatus.FAILED_RS_CREATE, msg)
            raise
        if rollout.replicas(created):
            self._event(d, "Normal", "ScalingReplicaSet", f"Scaled up replica set "
                        f"{meta.name(created)} from 0 to {rollout.replicas(created)}")
        return created

    async def _note_new(self, d: Obj, new: Obj, *, found: bool) -> None:
        """The Deployment's revision annotation and first Progressing condition."""
        rev = meta.annotations_of(new).get(revisions.REVISION)
        if rev and meta.annotations_of(d).get(revisions.REVISION) != rev:
            edited = copy.deepcopy(d)
            meta.metadata(edited).setdefault("annotations", {})[revisions.REVISION] = rev
            _replace(d, await self._api.update(kinds.DEPLOYMENT, edited))
        if not dstatus.has_deadline(d):
            return
        status = copy.deepcopy(d.get("status") or {})
        current = dstatus.condition(status, dstatus.PROGRESSING)
        if found and current is not None:
            return
        reason, msg = ((dstatus.FOUND_NEW_RS, f'Found new replica set "{meta.name(new)}"')
                       if found else
                       (dstatus.NEW_RS_CREATED, f'Created new replica set "{meta.name(new)}"'))
        dstatus.set_condition(status, dstatus.new_condition(dstatus.PROGRESSING, "True",
                                                            reason, msg, self._stamp()))
        await self._write_status(d, status)

    # ------------------------------------------------------------------ writes

    async def _scale(self, d: Obj, rs: Obj, size: int) -> Obj:
        """Resize ``rs`` (and refresh its size annotations); returns the written object."""
        want = rollout.scale_annotations(d)
        notes = meta.annotations_of(rs)
        before = rollout.replicas(rs)
        if before == size and all(notes.get(k) == v for k, v in want.items()):
            return rs
        edited = copy.deepcopy(rs)
        edited["spec"]["replicas"] = size
        meta.metadata(edited)["annotations"] = {**notes, **want}
        out = await self._api.update(kinds.REPLICA_SET, edited)
        if before != size:
            direction = "up" if size > before else "down"
            self._event(d, "Normal", "ScalingReplicaSet",
                        f"Scaled {direction} replica set {meta.name(rs)} from {before} to {size}")
        return out

    async def _cleanup(self, d: Obj, old: list[Obj]) -> None:
        """Delete old ReplicaSets beyond ``revisionHistoryLimit`` (``cleanupDeployment``)."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if not isinstance(limit, int):
            return
        alive = sorted((rs for rs in old if not meta.is_terminating(rs)),
                       key=lambda rs: (revisions.revision(rs), revisions.created(rs)))
        for rs in alive[:max(0, len(alive) - limit)]:
            status = rs.get("status") or {}
            if (rollout.actual(rs) or rollout.replicas(rs)
                    or meta.metadata(rs).get("generation", 0)
                    > status.get("observedGeneration", 0)):
                continue
            with contextlib.suppress(NotFound):
                await self._api.delete(kinds.REPLICA_SET, meta.name(rs), meta.namespace(rs),
                                       uid=meta.uid(rs))
            log.info("deployment=%s deleted old replicaset=%s", meta.key_of(d), meta.name(rs))

    async def _rollout_status(self, d: Obj, new: Obj | None, old: list[Obj]) -> None:
        status = dstatus.rollout_status(d, _all(new, old), new, self._now())
        await self._write_status(d, status)
        at = dstatus.deadline(d, status)
        if at is not None and not dstatus.complete(d, status):
            raise Retry(max(0.5, (at - self._now()).total_seconds() + 0.5),
                        "waiting for progress or the progress deadline")

    async def _write_status(self, d: Obj, status: dict[str, Any]) -> Obj:
        if (d.get("status") or {}) == status:
            return d
        edited = copy.deepcopy(d)
        edited["status"] = status
        _replace(d, await self._api.update(kinds.DEPLOYMENT, edited, subresource="status"))
        return d

    def _stamp(self) -> str:
        return self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _all(new: Obj | None, old: list[Obj]) -> list[Obj]:
    return [*old, new] if new is not None else list(old)


def _replace(target: Obj, source: Obj) -> None:
    """Make the working copy ``target`` the object the API returned."""
    target.clear()
    target.update(source)
