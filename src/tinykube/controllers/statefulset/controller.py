"""The StatefulSet controller's shell: claim the set's pods, take ``plan``'s step, report.

The pods of a set are those named ``<set>-<ordinal>`` that its selector matches and that
it controls (matching orphans with such names are adopted). Creates use the pod's fixed
name, so a deleted ``web-0`` comes back as ``web-0`` with the same hostname and subdomain.
Events say what happened ("create Pod web-0 in StatefulSet web successful"). A set with
``minReadySeconds`` is requeued for when a ready pod becomes available.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from tinykube.api import kinds, labels, meta
from tinykube.api.meta import Obj
from tinykube.controllers import claims
from tinykube.controllers import pods as podstate
from tinykube.controllers.events import Recorder
from tinykube.controllers.freshness import WriteTracker
from tinykube.controllers.reconcile import object_key
from tinykube.controllers.statefulset import identity
from tinykube.controllers.statefulset.plan import Action, plan, status
from tinykube.controllers.workload import Now, WorkloadController, utcnow
from tinykube.errors import AlreadyExists, ApiError, BadRequest, NotFound, Retry
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)


class StatefulSetController(WorkloadController):
    name = "statefulset"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 recorder: Recorder | None = None, workers: int = 2,
                 clock: Clock | None = None, now: Now = utcnow) -> None:
        super().__init__(api, informers=informers, recorder=recorder, workers=workers,
                         clock=clock, now=now)
        self._sets = self.informers.informer(kinds.STATEFUL_SET)
        self._pods = self.informers.informer(kinds.POD)
        self._tracker = WriteTracker(self._pods)
        self.watch(self._sets, object_key)
        self.watch(self._pods, self._keys_of_pod)

    def _keys_of_pod(self, pod: Obj) -> list[str]:
        ref = meta.controller_of(pod)
        if ref is not None:
            return ([f"{meta.namespace(pod)}/{ref.get('name')}"]
                    if ref.get("kind") == "StatefulSet" else [])
        out = []
        for sts in self._sets.list(meta.namespace(pod)):
            with contextlib.suppress(BadRequest):
                sel = labels.from_label_selector(identity.spec(sts).get("selector"))
                if identity.ordinal_of(sts, pod) is not None and sel.matches(meta.labels(pod)):
                    out.append(meta.key_of(sts))
        return out

    async def reconcile(self, key: str) -> None:
        sts = self._sets.get(key)
        if sts is None:
            self._tracker.forget(key)
            return
        if not self._tracker.fresh(key):
            return
        pods = await self._claim(sts)
        update_rev = identity.revision_name(sts)
        current_rev = str((sts.get("status") or {}).get("currentRevision") or update_rev)
        if not meta.is_terminating(sts):
            for action in plan(sts, pods, current_rev, update_rev, self._now()):
                await self._do(key, sts, pods, action)
        await self._write_status(sts, status(sts, pods, current_rev, update_rev, self._now()))
        wait = self._availability_wait(sts, pods)
        if wait is not None:
            raise Retry(wait + 0.05, "waiting for pods to become available")

    async def _claim(self, sts: Obj) -> dict[int, Obj]:
        sel = labels.from_label_selector(identity.spec(sts).get("selector"))
        members = [p for p in self._pods.list(meta.namespace(sts))
                   if identity.ordinal_of(sts, p) is not None]
        out: dict[int, Obj] = {}
        for pod in await self._settle(kinds.POD, sts, claims.claim(sts, sel, members)):
            ordinal = identity.ordinal_of(sts, pod)
            if ordinal is not None:
                out[ordinal] = pod
        return out

    def _template_for(self, sts: Obj, pods: dict[int, Obj], revision: str) -> dict[str, Any]:
        if revision != identity.revision_name(sts):
            for pod in pods.values():
                if identity.revision_of(pod) == revision:
                    return identity.template_from_pod(sts, pod)
        return dict(identity.spec(sts).get("template") or {})

    async def _do(self, key: str, sts: Obj, pods: dict[int, Obj], action: Action) -> None:
        name = identity.pod_name(sts, action.ordinal)
        set_name = meta.name(sts)
        if action.verb == "create":
            revision = action.revision
            if identity.revision_name(sts) != revision and not any(
                    identity.revision_of(p) == revision for p in pods.values()):
                revision = identity.revision_name(sts)  # no pod left to copy it from
            pod = identity.new_pod(sts, action.ordinal, self._template_for(sts, pods, revision),
                                   revision)
            try:
                self._tracker.wrote(key, await self._api.create(kinds.POD, pod,
                                                                meta.namespace(sts)))
            except AlreadyExists as e:
                raise Retry(0.2, f"pod {name} still exists") from e
            except ApiError as e:
                self._event(sts, "Warning", "FailedCreate",
                            f"create Pod {name} in StatefulSet {set_name} failed error: {e}")
                raise
            self._event(sts, "Normal", "SuccessfulCreate",
                        f"create Pod {name} in StatefulSet {set_name} successful")
            return
        assert action.pod is not None
        try:
            await self._api.delete(kinds.POD, name, meta.namespace(sts),
                                   uid=meta.uid(action.pod))
        except NotFound:
            pass
        except ApiError as e:
            self._event(sts, "Warning", "FailedDelete",
                        f"delete Pod {name} in StatefulSet {set_name} failed error: {e}")
            raise
        self._tracker.deleted(key, action.pod)
        self._event(sts, "Normal", "SuccessfulDelete",
                    f"delete Pod {name} in StatefulSet {set_name} successful")

    def _availability_wait(self, sts: Obj, pods: dict[int, Obj]) -> float | None:
        min_ready = int(identity.spec(sts).get("minReadySeconds") or 0)
        if min_ready <= 0:
            return None
        waits = [w for p in pods.values()
                 if (w := podstate.available_in(p, min_ready, self._now()))]
        return min(waits) if waits else None

    async def _write_status(self, sts: Obj, new: dict[str, Any]) -> None:
        current = sts.get("status") or {}
        if all(current.get(k) == v for k, v in new.items()):
            return
        edited = copy.deepcopy(sts)
        edited["status"] = {**current, **new}
        with contextlib.suppress(NotFound):
            await self._api.update(kinds.STATEFUL_SET, edited, subresource="status")
