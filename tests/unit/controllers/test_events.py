"""The controllers' recorder: Events of each component, repeats counted (the writer's
queue and failures are tested in tests/unit/client/test_events.py)."""

from tinykube.api import kinds
from tinykube.controllers.events import EventRecorder
from tinykube.testing.wait import eventually

DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "my-nginx", "namespace": "default", "uid": "u1",
                       "resourceVersion": "7"}}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "n1"}}


def stored(api) -> list[dict]:
    return [o for (k, _, _), o in api.objects.items() if k is kinds.EVENT]


async def test_an_event_names_its_object_and_repeats_are_counted(api, running):
    rec = EventRecorder(api)
    running(rec.run)
    r = rec.recorder("deployment-controller")
    r.normal(DEPLOY, "ScalingReplicaSet", "Scaled up replica set my-nginx-abc from 0 to 2")
    await eventually(lambda: len(stored(api)) == 1)
    (ev,) = stored(api)
    assert ev["involvedObject"] == {"kind": "Deployment", "namespace": "default",
                                    "name": "my-nginx", "uid": "u1",
                                    "apiVersion": "apps/v1", "resourceVersion": "7"}
    assert ev["metadata"]["name"].startswith("my-nginx.")
    assert ev["metadata"]["namespace"] == "default"
    assert (ev["type"], ev["reason"], ev["count"]) == ("Normal", "ScalingReplicaSet", 1)
    assert ev["source"] == {"component": "deployment-controller"}
    assert ev["reportingComponent"] == "deployment-controller"
    assert ev["firstTimestamp"] == ev["lastTimestamp"]
    r.normal(DEPLOY, "ScalingReplicaSet", "Scaled up replica set my-nginx-abc from 0 to 2")
    await eventually(lambda: stored(api)[0]["count"] == 2)
    r.warning(DEPLOY, "ScalingReplicaSet", "something else")
    await eventually(lambda: len(stored(api)) == 2)


async def test_cluster_scoped_objects_get_events_in_default(api, running):
    rec = EventRecorder(api)
    running(rec.run)
    rec.recorder("default-scheduler").warning(NODE, "NodeNotReady", "gone")
    await eventually(lambda: len(stored(api)) == 1)
    assert stored(api)[0]["metadata"]["namespace"] == "default"

