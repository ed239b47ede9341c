"""The agent's side of ``pods/log``, ``pods/exec`` and ``pods/attach``.

The API server routes these subresources to a pluggable ``PodStreams`` handler
(``apiserver/podstreams.py``); ``PodStreams(agent)`` is the agent's, plugged in with
``server.set_pod_streams(...)`` when both run in one process. It answers with the
Kubernetes wording for the usual mistakes (no such container, container not started,
no previous run), streams logs as ``text/plain`` (``follow`` until the container's run
ends), and upgrades exec and attach to a WebSocket speaking ``v5``/``v4.channel.k8s.io``
(kubectl 1.32's default). SPDY is not spoken: a client that insists gets 400
``Upgrade request required``. Port-forward is not supported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from tinykube.agent import channels, logs, runtime, wssession
from tinykube.agent.agent import Agent
from tinykube.agent.lifecycle import Container
from tinykube.agent.podworker import PodWorker
from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.errors import BadRequest, SystemError_
from tinykube.host import process
from tinykube.wire.channels import PROTOCOLS

log = logging.getLogger(__name__)


class PodStreams:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    async def __call__(self, request: web.Request, pod: Obj,
                       subresource: str) -> web.StreamResponse:
        if subresource == "log":
            return await self.log(request, pod)
        if subresource == "exec":
            return await self.exec(request, pod)
        if subresource == "attach":
            return await self.attach(request, pod)
        raise BadRequest(f"pods/{subresource} is not supported by tinykube")

    # ------------------------------------------------------------------ lookups

    def _worker(self, pod: Obj) -> PodWorker:
        name = meta.name(pod)
        if not (pod.get("spec") or {}).get("nodeName"):
            raise BadRequest(f'pod "{name}" does not have a host assigned')
        w = self.agent.worker(meta.namespace(pod), name)
        if w is None or w.uid != meta.uid(pod):
            raise BadRequest(f'pod "{name}" is not running on node '
                             f'"{self.agent.config.node_name}"')
        return w

    @staticmethod
    def _record(w: PodWorker, name: str) -> Container:
        rec = w.records.get(name) or w.init_records.get(name)
        if rec is None:
            raise BadRequest(f"container {name} is not valid for pod {meta.name(w.pod)}")
        return rec

    def _running(self, w: PodWorker, name: str) -> runtime.Running:
        run = w.running.get(name)
        if run is None:
            raise BadRequest(f'unable to upgrade connection: container not found ("{name}")')
        return run

    @staticmethod
    def _still(w: PodWorker, name: str, run: runtime.Running | None) -> Callable[[], bool]:
        return lambda: run is not None and w.running.get(name) is run

    # ------------------------------------------------------------------ log

    async def log(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        opts = logs.options(request.query)
        name = logs.pick_container(pod, opts.container)
        w = self._worker(pod)
        rec = self._record(w, name)
        pod_name = meta.name(pod)
        if opts.previous:
            if rec.restart_count == 0:
                raise BadRequest(f'previous terminated container "{name}" in pod '
                                 f'"{pod_name}" not found')
            index, run = rec.restart_count - 1, None
        else:
            if not rec.has_run:
                reason = (rec.state.get("waiting") or {}).get("reason", "ContainerCreating")
                raise BadRequest(f'container "{name}" in pod "{pod_name}" is waiting to '
                                 f"start: {reason}")
            index, run = rec.restart_count, w.running.get(name)
        return await send_log(request, w.layout.log_path(name, index), opts,
                              self._still(w, name, run))

    # ------------------------------------------------------------------ exec and attach

    async def _upgrade(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True,
                                   max_msg_size=0)
        if not ws.can_prepare(request).ok:
            raise BadRequest("Upgrade request required")
        await ws.prepare(request)
        return ws

    async def exec(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        command = request.query.getall("command", [])
        if not command:
            raise BadRequest("you must specify at least 1 command")
        name = logs.pick_container(pod, request.query.get("container"))
        w = self._worker(pod)
        run = self._running(w, name)
        st = channels.streams(_query(request))
        ws = await self._upgrade(request)
        cwd = _working_dir(w.pod, name)
        try:
            proc = process.start(runtime.exec_spawn(run.pid, command, run.env, tty=st.tty,
                                                    cwd=cwd))
        except SystemError_ as e:
            await ws.send_bytes(channels.status_frame(channels.failure(str(e))))
            await ws.close()
            return ws
        log.info("pod=%s container=%s exec pid=%d %s", w.name, name, proc.pid, command)
        await wssession.run_exec(ws, st, proc, command)
        return ws

    async def attach(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        name = logs.pick_container(pod, request.query.get("container"))
        w = self._worker(pod)
        run = self._running(w, name)
        st = channels.streams(_query(request))
        container: Obj = next((c for c in (w.pod.get("spec") or {}).get("containers") or []
                               if c.get("name") == name), {})
        ws = await self._upgrade(request)
        log_path = w.layout.log_path(name, self._record(w, name).restart_count)
        await wssession.run_attach(ws, st, run, running=self._still(w, name, run),
                                   log_path=log_path,
                                   stdin_once=bool(container.get("stdinOnce")))
        return ws


async def send_log(request: web.Request, path: Path, opts: logs.LogOptions,
                   running: Callable[[], bool]) -> web.StreamResponse:
    """The log at ``path`` as ``text/plain``, followed while ``running()``. A client that
    leaves (``logs -f`` interrupted) is the normal end of a followed log: following stops,
    and nothing is written to, or complained about, the closed connection."""
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await resp.prepare(request)
    try:
        await logs.stream(path, opts, lambda: running() and not _gone(request), resp.write)
        await resp.write_eof()
    except ConnectionError:
        log.debug("log=%s: the client went away", path)
    return resp


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _query(request: web.Request) -> dict[str, list[str]]:
    return {k: request.query.getall(k) for k in request.query}


def _working_dir(pod: Obj, name: str) -> str:
    for c in (pod.get("spec") or {}).get("containers") or []:
        if c.get("name") == name:
            return str(c.get("workingDir") or "/")
    return "/"
