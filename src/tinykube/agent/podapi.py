"""The few API calls the agent makes for pods and its node, over the REST client.

``AgentApi`` is what the agent needs from ``client.Client``: the informers' list and
watch, create/get/patch, and ``request`` for the one call the typed verbs do not cover —
the final pod delete with ``gracePeriodSeconds: 0`` once the pod's processes are gone.
Status writes are merge patches of the ``status`` subresource carrying the agent's whole
view (lists replace, keys it does not own, like ``qosClass``, stay).
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from tinykube.api.kinds import POD
from tinykube.api.meta import Obj
from tinykube.errors import Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient


class AgentApi(ApiClient, Protocol):
    async def request(self, method: str, path: str, *, params: Any = None, body: Any = None,
                      content_type: str = ..., accept: str = ...) -> Any: ...


async def publish_status(api: AgentApi, pod: Obj, status: Obj) -> bool:
    """Write ``status``; False when the pod is gone."""
    md = pod.get("metadata") or {}
    try:
        await api.patch(POD, str(md.get("name")), {"status": status},
                        str(md.get("namespace") or "default"), subresource="status")
    except NotFound:
        return False
    return True


async def delete_now(api: AgentApi, pod: Obj) -> None:
    """Remove a pod whose processes are gone (``gracePeriodSeconds: 0``, same uid only)."""
    md = pod.get("metadata") or {}
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
            "preconditions": {"uid": md.get("uid")}}
    # NotFound: already gone; Conflict: a new pod of the same name, not ours to delete.
    with contextlib.suppress(NotFound, Conflict):
        await api.request("DELETE", POD.path(str(md.get("namespace") or "default"),
                                             str(md.get("name"))), body=body)
