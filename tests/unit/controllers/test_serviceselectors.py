"""Which Services select a pod."""

from tinykube.api import kinds
from tinykube.controllers.serviceselectors import ServiceSelectors
from tinykube.machinery.informer import Informer
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import pod, service


async def test_services_for_a_pod_follow_service_changes(api, running):
    services, pods = Informer(api, kinds.SERVICE), Informer(api, kinds.POD)
    sel = ServiceSelectors(services, pods)
    running(services.run)
    running(pods.run)
    web = await api.create(kinds.SERVICE, service("web", {"app": "web"}))
    await api.create(kinds.SERVICE, service("none", None))
    await api.create(kinds.SERVICE, service("other-ns", {"app": "web"}, namespace="x"))
    await api.create(kinds.POD, pod("a", {"app": "web", "tier": "1"}))
    await eventually(lambda: len(services) == 3 and len(pods) == 1)
    p = pods.get("default/a")
    assert sel.services_for(p) == ["default/web"]
    assert [o["metadata"]["name"] for o in sel.pods_of(services.get("default/web"), pods)] == [
        "a"]
    web["spec"]["selector"] = {"app": "web", "tier": "2"}
    await api.update(kinds.SERVICE, web)
    await eventually(lambda: sel.services_for(p) == [])
