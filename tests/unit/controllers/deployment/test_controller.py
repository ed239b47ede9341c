"""Deployments against FakeApi, with the ReplicaSet controller and a fake node running."""

import re

from tinykube.api import kinds, meta
from tinykube.controllers.deployment.controller import DeploymentController
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.replicaset import ReplicaSetController
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.fakenode import FakeNode
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import deployment

APP = {"run": "my-nginx"}


async def start(api, running):
    shared = InformerFactory(api)
    events = EventRecorder(api)
    dc = DeploymentController(api, informers=shared,
                              recorder=events.recorder("deployment-controller"))
    rc = ReplicaSetController(api, informers=shared)
    for run in (shared.run, events.run, dc.run, rc.run,
                FakeNode(api, "node-1", take_unbound=True, register=False).run):
        running(run)
    await eventually(lambda: dc.has_synced and rc.has_synced)


def sets(api) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for (k, _, _), o in api.objects.items()
            if k is kinds.REPLICA_SET}


def live(api, name="my-nginx") -> dict:
    return api.find(kinds.DEPLOYMENT, name, "default")


def rolled_out(api, replicas: int, name="my-nginx") -> bool:
    s = live(api, name).get("status") or {}
    cond = {c["type"]: c["reason"] for c in s.get("conditions") or []}
    return (s.get("updatedReplicas") == s.get("availableReplicas") == s.get("replicas")
            == replicas and cond.get("Progressing") == "NewReplicaSetAvailable"
            and cond.get("Available") == "MinimumReplicasAvailable")


def events(api) -> list[str]:
    return [o["message"] for (k, _, _), o in sorted(api.objects.items(),
                                                    key=lambda kv: kv[1]["metadata"]
                                                    ["resourceVersion"])
            if k is kinds.EVENT]


async def test_create_roll_scale_and_keep_history(api, running):
    d = deployment("my-nginx", APP, 2, revisionHistoryLimit=1, progressDeadlineSeconds=600,
                   strategy={"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    await api.create(kinds.DEPLOYMENT, d)
    await start(api, running)
    await eventually(lambda: rolled_out(api, 2))
    (first,) = sets(api).values()
    name = first["metadata"]["name"]
    assert re.fullmatch(r"my-nginx-[4-9bcdf]{6,10}", name)
    pod_hash = name.removeprefix("my-nginx-")
    assert first["metadata"]["labels"] == {**APP, "pod-template-hash": pod_hash}
    assert first["spec"]["selector"]["matchLabels"]["pod-template-hash"] == pod_hash
    assert meta.annotations_of(first)["deployment.kubernetes.io/revision"] == "1"
    assert meta.annotations_of(live(api))["deployment.kubernetes.io/revision"] == "1"
    await eventually(lambda: f"Scaled up replica set {name} from 0 to 2" in events(api))

    d = live(api)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    await api.update(kinds.DEPLOYMENT, d)
    await eventually(lambda: len(sets(api)) == 2 and rolled_out(api, 2))
    await eventually(lambda: sets(api)[name]["spec"]["replicas"] == 0)
    (second,) = [n for n in sets(api) if n != name]
    assert meta.annotations_of(sets(api)[second])["deployment.kubernetes.io/revision"] == "2"
    await eventually(lambda: f"Scaled down replica set {name} from 1 to 0" in events(api))

    d = live(api)
    d["spec"]["replicas"] = 4
    await api.update(kinds.DEPLOYMENT, d)
    await eventually(lambda: rolled_out(api, 4))
    assert sets(api)[second]["spec"]["replicas"] == 4

    d = live(api)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    await api.update(kinds.DEPLOYMENT, d)
    await eventually(lambda: len(sets(api)) == 2 and rolled_out(api, 4)
                     and name not in sets(api))  # history limit 1: the first one went


async def test_recreate_scales_old_to_zero_before_the_new_one(api, running):
    d = deployment("my-nginx", APP, 3, strategy={"type": "Recreate"},
                   progressDeadlineSeconds=600)
    await api.create(kinds.DEPLOYMENT, d)
    await start(api, running)
    await eventually(lambda: rolled_out(api, 3))
    d = live(api)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    await api.update(kinds.DEPLOYMENT, d)
    await eventually(lambda: len(sets(api)) == 2 and rolled_out(api, 3))
    scaled = [m for m in events(api) if m.startswith("Scaled")]
    down = next(i for i, m in enumerate(scaled) if "down" in m)
    up_new = [i for i, m in enumerate(scaled) if "from 0 to 3" in m]
    assert up_new[-1] > down  # the new set grew only after the old one shrank
