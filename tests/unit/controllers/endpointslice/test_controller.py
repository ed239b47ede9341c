"""The EndpointSlice controller against FakeApi: slices follow pods, no duplicate creates."""

from tinykube.api import kinds
from tinykube.controllers.endpointslice import build
from tinykube.controllers.endpointslice.controller import EndpointSliceController
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import pod, service

APP = {"app": "web"}
SLICE = kinds.ENDPOINT_SLICE


def slices(api, svc: str = "web") -> list[dict]:
    return [o for (k, _, _), o in api.objects.items()
            if k is SLICE and o["metadata"]["labels"].get(build.SERVICE_NAME_LABEL) == svc]


def endpoints(api) -> dict[str, dict]:
    return {e["targetRef"]["name"]: e["conditions"] for s in slices(api)
            for e in s["endpoints"]}


async def start(api, running, **kw) -> EndpointSliceController:
    ctrl = EndpointSliceController(api, **kw)
    running(ctrl.run)
    await eventually(lambda: ctrl.has_synced)
    return ctrl


async def idle(ctrl) -> None:
    await eventually(lambda: len(ctrl.queue) == 0 and ctrl.queue.processing() == 0
                     and ctrl.queue.waiting() == 0)


async def test_slices_follow_pods_through_their_life(api, running):
    await api.create(kinds.SERVICE, service("web", APP, clusterIP="10.96.0.5"))
    await start(api, running)
    await eventually(lambda: len(slices(api)) == 1 and slices(api)[0]["endpoints"] == [])
    p = await api.create(kinds.POD, pod("a", APP, ip="10.0.0.1"))
    await eventually(lambda: endpoints(api).get("a") == {
        "ready": False, "serving": False, "terminating": False})
    p["status"]["conditions"][0]["status"] = "True"
    await api.update(kinds.POD, p, subresource="status")
    await eventually(lambda: endpoints(api).get("a", {}).get("ready") is True)
    p = api.find(kinds.POD, "a", "default")
    p["metadata"]["finalizers"] = ["hold"]
    await api.update(kinds.POD, p)
    await api.delete(kinds.POD, "a", "default")
    await eventually(lambda: endpoints(api).get("a") == {
        "ready": False, "serving": True, "terminating": True})
    assert len(slices(api)) == 1


async def test_many_pods_at_once_make_no_duplicate_slices(api, running):
    await api.create(kinds.SERVICE, service("web", APP, clusterIP="10.96.0.5"))
    ctrl = await start(api, running, max_endpoints_per_slice=10)
    for i in range(35):
        await api.create(kinds.POD, pod(f"p{i}", APP, ip=f"10.0.0.{i + 1}", ready=True))
    await eventually(lambda: len(endpoints(api)) == 35)
    await idle(ctrl)
    names = [e["targetRef"]["name"] for s in slices(api) for e in s["endpoints"]]
    assert len(names) == len(set(names)) == 35
    assert all(len(s["endpoints"]) <= 10 for s in slices(api))


async def test_losing_the_selector_removes_managed_slices(api, running):
    svc = await api.create(kinds.SERVICE, service("web", APP, clusterIP="10.96.0.5"))
    await api.create(kinds.POD, pod("a", APP, ip="10.0.0.1", ready=True))
    await start(api, running)
    await eventually(lambda: len(endpoints(api)) == 1)
    del svc["spec"]["selector"]
    await api.update(kinds.SERVICE, svc)
    await eventually(lambda: slices(api) == [])


async def test_pods_of_other_services_and_unrelated_changes_cause_no_writes(api, running):
    await api.create(kinds.SERVICE, service("web", APP, clusterIP="10.96.0.5"))
    p = await api.create(kinds.POD, pod("a", APP, ip="10.0.0.1", ready=True))
    ctrl = await start(api, running)
    await eventually(lambda: len(endpoints(api)) == 1)
    await idle(ctrl)
    before = len([c for c in api.calls if c.kind == "endpointslices"])
    p["metadata"]["annotations"] = {"x": "y"}
    await api.update(kinds.POD, p)
    await api.create(kinds.POD, pod("b", {"app": "other"}, ip="10.0.0.2", ready=True))
    await idle(ctrl)
    assert len([c for c in api.calls if c.kind == "endpointslices"]) == before
