"""``describe``: one page per object in kubectl 1.32's layout, with what it relates to.

``page`` fetches what kubectl's describer for the kind fetches (a Service's EndpointSlices,
a Deployment's ReplicaSets, a workload's pods, the object's events) and hands it to the
pure renderer of the kind (``service``, ``pod``, ``workloads``, ``generic``). Related
lists that fail are shown as absent, as kubectl does; only the object itself must exist.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.cli.describe import generic, pod, service, workloads
from tinykube.client import Client
from tinykube.errors import ApiError

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


async def page(client: Client, kind: Kind, obj: Obj, now: datetime | None = None) -> str:
    """The describe text of ``obj`` (a ``kind`` object as read from the API)."""
    at = now or datetime.now(UTC)
    md = obj.get("metadata") or {}
    ns, name = str(md.get("namespace") or ""), str(md.get("name") or "")
    if kind == kinds.NAMESPACE:
        return generic.render_namespace(obj)
    evts = await search_events(client, kind, obj)
    if kind == kinds.SERVICE:
        slices = await _list(client, kinds.ENDPOINT_SLICE, ns, f"{SERVICE_NAME_LABEL}={name}")
        return service.render(obj, slices, evts, at)
    if kind == kinds.POD:
        return pod.render(obj, evts, at)
    if kind == kinds.ENDPOINTS:
        return service.render_endpoints(obj, evts, at)
    if kind == kinds.ENDPOINT_SLICE:
        return generic.render_endpoint_slice(obj, evts, at)
    if kind == kinds.DEPLOYMENT:
        return await _deployment(client, obj, evts, at)
    if kind in (kinds.REPLICA_SET, kinds.STATEFUL_SET):
        selector = workloads.selector_text((obj.get("spec") or {}).get("selector"))
        pods = await _list(client, kinds.POD, ns, selector) or []
        counts = workloads.pod_counts(pods, str(md.get("uid") or ""))
        if kind == kinds.REPLICA_SET:
            return workloads.render_replica_set(obj, counts, evts, at)
        return workloads.render_stateful_set(obj, counts, evts, at)
    return generic.render_generic(obj, evts, at)


async def _deployment(client: Client, d: Obj, evts: list[Obj] | None, at: datetime) -> str:
    ns = str((d.get("metadata") or {}).get("namespace") or "")
    selector = workloads.selector_text((d.get("spec") or {}).get("selector"))
    owned = await _list(client, kinds.REPLICA_SET, ns, selector)
    old, new = workloads.split_replica_sets(d, owned or [])
    return workloads.render_deployment(d, old, new, evts, at)


async def _list(client: Client, kind: Kind, ns: str, selector: str = "",
                fields: str = "") -> list[Obj] | None:
    try:
        items, _ = await client.list(kind, ns or None, label_selector=selector,
                                     field_selector=fields)
    except ApiError:
        return None
    return items


async def search_events(client: Client, kind: Kind, obj: Obj) -> list[Obj]:
    """Events about ``obj`` (kubectl's ``searchEvents``); pods are matched without kind."""
    md = obj.get("metadata") or {}
    ns = str(md.get("namespace") or "")
    terms = [f"involvedObject.name={md.get('name', '')}", f"involvedObject.namespace={ns}"]
    if kind != kinds.POD:
        terms.append(f"involvedObject.kind={kind.kind}")
    if md.get("uid"):
        terms.append(f"involvedObject.uid={md['uid']}")
    return await _list(client, kinds.EVENT, ns, fields=",".join(terms)) or []
