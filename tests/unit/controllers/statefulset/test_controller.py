"""The StatefulSet controller against FakeApi: ordered creation, identity, rolling update."""

from tinykube.api import kinds, meta
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.statefulset.controller import StatefulSetController
from tinykube.testing import fakenode
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import statefulset

APP = {"app": "nginx"}


async def start(api, running) -> StatefulSetController:
    events = EventRecorder(api)
    ctrl = StatefulSetController(api, recorder=events.recorder("statefulset-controller"))
    running(events.run)
    running(ctrl.run)
    await eventually(lambda: ctrl.has_synced)
    return ctrl


def names(api) -> list[str]:
    return sorted(o["metadata"]["name"] for (k, _, _), o in api.objects.items()
                  if k is kinds.POD)


async def run_pod(api, name: str, ready: bool = True) -> None:
    p = api.find(kinds.POD, name, "default")
    await fakenode.report(api, p, f"10.0.0.{int(name.rsplit('-', 1)[1]) + 1}", ready=ready)


def sts_status(api) -> dict:
    return api.find(kinds.STATEFUL_SET, "web", "default").get("status") or {}


async def test_ordered_creation_and_identity(api, running):
    await api.create(kinds.STATEFUL_SET, statefulset("web", APP, 2, service_name="nginx"))
    await start(api, running)
    await eventually(lambda: names(api) == ["web-0"])
    web0 = api.find(kinds.POD, "web-0", "default")
    assert (web0["spec"]["hostname"], web0["spec"]["subdomain"]) == ("web-0", "nginx")
    assert meta.labels(web0)["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert meta.labels(web0)["apps.kubernetes.io/pod-index"] == "0"
    await run_pod(api, "web-0", ready=False)
    await eventually(lambda: sts_status(api).get("replicas") == 1)
    assert names(api) == ["web-0"]  # web-1 waits for web-0 to be Ready
    await run_pod(api, "web-0")
    await eventually(lambda: names(api) == ["web-0", "web-1"])
    await run_pod(api, "web-1")
    await eventually(lambda: sts_status(api).get("readyReplicas") == 2)
    st = sts_status(api)
    assert st["currentRevision"] == st["updateRevision"]
    assert st["updateRevision"] == meta.labels(web0)["controller-revision-hash"]

    uid = meta.uid(api.find(kinds.POD, "web-0", "default"))
    await api.delete(kinds.POD, "web-0", "default")
    await eventually(lambda: api.find(kinds.POD, "web-0", "default") is not None
                     and meta.uid(api.find(kinds.POD, "web-0", "default")) != uid)
    again = api.find(kinds.POD, "web-0", "default")
    assert (again["spec"]["hostname"], again["spec"]["subdomain"]) == ("web-0", "nginx")


async def test_rolling_update_replaces_from_the_top(api, running):
    await api.create(kinds.STATEFUL_SET, statefulset("web", APP, 2, service_name="nginx"))
    node = fakenode.FakeNode(api, take_unbound=True, register=False)
    running(node.run)
    await start(api, running)
    await eventually(lambda: sts_status(api).get("readyReplicas") == 2)
    old = sts_status(api)["currentRevision"]
    sts = api.find(kinds.STATEFUL_SET, "web", "default")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    await api.update(kinds.STATEFUL_SET, sts)
    await eventually(lambda: sts_status(api).get("currentRevision") not in (None, old)
                     and sts_status(api).get("updatedReplicas") == 2)
    await eventually(lambda: len([o for (k, _, _), o in api.objects.items()
                                  if k is kinds.EVENT and o["reason"] == "SuccessfulDelete"])
                     == 2)
    deleted = sorted(((o["metadata"]["resourceVersion"], o["message"])
                      for (k, _, _), o in api.objects.items()
                      if k is kinds.EVENT and o["reason"] == "SuccessfulDelete"),
                     key=lambda x: int(x[0]))
    assert [m for _, m in deleted] == ["delete Pod web-1 in StatefulSet web successful",
                                       "delete Pod web-0 in StatefulSet web successful"]
