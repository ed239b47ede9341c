"""pods/log, pods/exec, pods/attach and pods/portforward: handed to whoever runs pods.

The API server does not run pods; the node agent does (a later issue). It plugs in a
``PodStreams`` handler that receives the request and the pod, and answers it: a
``text/plain`` log stream, or a WebSocket/SPDY upgrade for exec, attach and
port-forward. Until one is plugged in these answer cleanly the way kubectl expects
from a server that cannot: 400 ``Upgrade request required`` for the streaming ones,
and a 400 that says why for logs.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from tinykube.api.meta import Obj
from tinykube.errors import BadRequest

UPGRADED = frozenset({"exec", "attach", "portforward"})


class PodStreams(Protocol):
    async def __call__(self, request: web.Request, pod: Obj,
                       subresource: str) -> web.StreamResponse: ...


async def unavailable(request: web.Request, pod: Obj, subresource: str) -> web.StreamResponse:
    """The handler used while no node agent is plugged in."""
    if subresource in UPGRADED:
        raise BadRequest("Upgrade request required")
    name = (pod.get("metadata") or {}).get("name", "")
    raise BadRequest(f'pod "{name}" has no log source: no node agent serves this cluster')
