"""LoadBalancer IPs: allocation, exhaustion with an event, release, rebuild after restart."""

from tinykube.api import kinds
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.loadbalancer import LoadBalancerController
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import service

POOL = "172.18.255.200-172.18.255.201"


def lb(name: str, **spec) -> dict:
    return service(name, {"app": name}, type="LoadBalancer", clusterIP="10.96.0.9", **spec)


def ingress(api, name: str) -> list:
    svc = api.find(kinds.SERVICE, name, "default")
    return ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []


def events(api, reason: str) -> list[str]:
    return [o["message"] for (k, _, _), o in api.objects.items()
            if k is kinds.EVENT and o["reason"] == reason]


async def start(api, running, pool: str = POOL) -> LoadBalancerController:
    rec = EventRecorder(api)
    ctrl = LoadBalancerController(api, pool=pool, recorder=rec.recorder("service-lb"))
    running(rec.run)
    running(ctrl.run)
    return ctrl


async def test_allocate_exhaust_release(api, running):
    await api.create(kinds.SERVICE, lb("a"))
    await api.create(kinds.SERVICE, lb("b", loadBalancerIP="172.18.255.201"))
    await api.create(kinds.SERVICE, service("plain", {"app": "x"}, clusterIP="10.96.0.8"))
    await api.create(kinds.SERVICE, lb("theirs", loadBalancerClass="example.com/other"))
    await start(api, running)
    await eventually(lambda: ingress(api, "b") == [{"ip": "172.18.255.201", "ipMode": "VIP"}])
    await eventually(lambda: ingress(api, "a") == [{"ip": "172.18.255.200", "ipMode": "VIP"}])
    assert ingress(api, "plain") == [] and ingress(api, "theirs") == []
    await api.create(kinds.SERVICE, lb("c"))
    await eventually(lambda: events(api, "AllocationFailed") == [
        'Failed to allocate IP for "default/c": no available IPs: pool '
        "172.18.255.200-172.18.255.201 is exhausted"])
    assert ingress(api, "c") == []
    await eventually(lambda: 'Assigned IP ["172.18.255.200"]' in events(api, "IPAllocated"))
    # a switches to ClusterIP: its address goes back and c gets it
    a = api.find(kinds.SERVICE, "a", "default")
    a["spec"]["type"] = "ClusterIP"
    await api.update(kinds.SERVICE, a)
    await eventually(lambda: ingress(api, "c") == [{"ip": "172.18.255.200", "ipMode": "VIP"}])
    assert ingress(api, "a") == []
    await api.delete(kinds.SERVICE, "b", "default")
    await api.create(kinds.SERVICE, lb("d"))
    await eventually(lambda: ingress(api, "d") == [{"ip": "172.18.255.201", "ipMode": "VIP"}])


async def test_restart_keeps_addresses(api, running):
    first = lb("x")
    first["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.201", "ipMode": "VIP"}]}}
    await api.create(kinds.SERVICE, first)
    await api.create(kinds.SERVICE, lb("y"))
    ctrl = await start(api, running)
    await eventually(lambda: ingress(api, "y") == [{"ip": "172.18.255.200", "ipMode": "VIP"}])
    assert ingress(api, "x") == [{"ip": "172.18.255.201", "ipMode": "VIP"}]
    assert ctrl.pool.holder("172.18.255.201") == "default/x"
