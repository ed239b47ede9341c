"""The node agent (kubelet and container runtime in one): runs this node's pods as processes.

    agent = Agent(client, AgentConfig(state_dir=data_dir / "agent", ca_file=..., ...))
    await agent.start()     # leftovers of a crashed run removed, node network up, Node registered
    task = asyncio.create_task(agent.run())   # pods of this node, until cancelled
    ...
    task.cancel(); await agent.cleanup()      # every process, namespace and file removed

``run`` watches the pods bound to this node (``fieldSelector=spec.nodeName=<node>``) and
every Service (for the containers' environment; nothing starts before both informers have
synced, so ``KUBERNETES_SERVICE_HOST`` is always there). Each pod gets a ``PodWorker``
keyed by UID. On start the pool of pod IPs is rebuilt from the pods' ``status.podIP`` and
each pod is re-created with its identity (name, hostname; the same IP when it is free).
Pods that already finished (Succeeded/Failed) are left as they are. The Node's Ready
condition is renewed every ``heartbeat_interval`` seconds.

What the workers do to pods is told as the kubelet's Events (``events.py``), written by a
task of ``run``.

Workers are looked up by ``worker(namespace, name)`` for logs, exec and attach
(``streams.py``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from tinykube.agent import images, node, podapi, sandbox
from tinykube.agent.config import AgentConfig
from tinykube.agent.events import AgentEvents
from tinykube.agent.ipam import Ipam
from tinykube.agent.podworker import PodContext, PodWorker
from tinykube.agent.resolv import parse
from tinykube.api import meta
from tinykube.api.kinds import POD, SERVICE
from tinykube.api.meta import Obj
from tinykube.errors import NotFound, TinykubeError
from tinykube.machinery.clock import Clock, LoopClock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 2.0
FINISHED = ("Succeeded", "Failed")


class Agent:
    def __init__(self, api: podapi.AgentApi, config: AgentConfig, *,
                 clock: Clock | None = None) -> None:
        self.api = api
        self.config = config
        self.network = node.NodeNetwork(config)
        self.ipam = Ipam(config.pod_cidr, config.gateway)
        self._clock = clock or LoopClock()
        self._informers = InformerFactory(api)
        self._pods = self._informers.informer(
            POD, field_selector=f"spec.nodeName={config.node_name}")
        self._services = self._informers.informer(SERVICE)
        self._workers: dict[str, PodWorker] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ended: set[str] = set()   # pods whose worker terminated them
        self._ctx: PodContext | None = None
        self._started = False
        self._ready_since = ""
        self._user_images = images.UserMapFile(config.image_map)
        self.events = AgentEvents(api, config.node_name)

    # ------------------------------------------------------------------ lifecycle

    @property
    def node_netns_path(self) -> str:
        """The node's network namespace (for the proxy, DNS and the API's node listener)."""
        return self.network.path

    async def start(self) -> None:
        """Clean a crashed run's leftovers, set up the node network, register the Node."""
        self.config.pods_dir.mkdir(parents=True, exist_ok=True)
        await self._remove_leftovers()
        await self.network.setup()
        self._ready_since = await node.register(self.api, self.config, meta.now())
        self._ctx = PodContext(
            config=self.config, api=self.api, ipam=self.ipam,
            services=self._services.list, image_of=self._image_of,
            node_resolv=parse(_read(self.config.host_resolv_conf)),
            ca_pem=_read(self.config.ca_file), clock=self._clock, events=self.events,
        )
        self._started = True
        log.info("node=%s registered; pods dir %s", self.config.node_name,
                 self.config.pods_dir)

    async def run(self) -> None:
        """Run this node's pods until cancelled."""
        if not self._started:
            await self.start()
        informers = asyncio.create_task(self._informers.run(), name="agent-informers")
        events = asyncio.create_task(self.events.run(), name="agent-events")
        try:
            await self._informers.wait_synced()
            self._reserve_ips()
            self._pods.add_handlers(self._on_add, self._on_update, self._on_delete)
            await self._heartbeats()
        finally:
            informers.cancel()
            tasks = [informers, events, *self._tasks.values()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def cleanup(self) -> None:
        """Stop every pod (SIGTERM, SIGKILL after a short grace) and remove all we made."""
        workers = list(self._workers.values())
        results = await asyncio.gather(*(w.stop(SHUTDOWN_GRACE) for w in workers),
                                       return_exceptions=True)
        for w, r in zip(workers, results, strict=True):
            if isinstance(r, BaseException):
                log.error("pod=%s did not stop cleanly: %r", w.name, r)
        for w in workers:
            sandbox.remove_dir(w.layout)
        self._workers.clear()
        await self._remove_leftovers()
        await self.network.teardown()
        self._started = False
        log.info("node=%s cleaned up", self.config.node_name)

    async def _remove_leftovers(self) -> None:
        for layout in sandbox.leftovers(self.config):
            await sandbox.remove_network(layout)
            sandbox.remove_dir(layout)
            log.info("removed leftover sandbox uid=%s netns=%s", layout.uid, layout.netns)

    async def _heartbeats(self) -> None:
        while True:
            await self._clock.sleep(self.config.heartbeat_interval)
            try:
                await node.heartbeat(self.api, self.config, meta.now(), self._ready_since)
            except NotFound:
                await self._register_again()
            except TinykubeError as e:
                log.warning("node=%s heartbeat failed: %s", self.config.node_name, e)

    async def _register_again(self) -> None:
        """The Node was deleted: register it again (the next heartbeat retries on failure)."""
        try:
            self._ready_since = await node.register(self.api, self.config, meta.now())
        except TinykubeError as e:
            log.warning("node=%s registration failed: %s", self.config.node_name, e)

    # ------------------------------------------------------------------ pods

    def workers(self) -> list[PodWorker]:
        return list(self._workers.values())

    def worker(self, namespace: str, name: str) -> PodWorker | None:
        for w in self._workers.values():
            if meta.name(w.pod) == name and meta.namespace(w.pod) == namespace:
                return w
        return None

    def _reserve_ips(self) -> None:
        for pod in self._pods.list():
            ip = (pod.get("status") or {}).get("podIP")
            spec = pod.get("spec") or {}
            if ip and not spec.get("hostNetwork") and not _finished(pod):
                self.ipam.reserve(meta.uid(pod), str(ip))

    def _on_add(self, pod: Obj) -> None:
        self._on_update(pod, pod)

    def _on_update(self, old: Obj, pod: Obj) -> None:
        """A worker per pod; a terminating pod no worker ran yet gets one too (only its
        final delete is owed); a finished one, or one whose worker ended, none."""
        uid = meta.uid(pod)
        w = self._workers.get(uid)
        if w is not None:
            w.update(pod)
        elif uid not in self._ended and not _finished(pod):
            self._start_worker(pod)

    def _on_delete(self, pod: Obj) -> None:
        uid = meta.uid(pod)
        self._ended.discard(uid)
        w = self._workers.get(uid)
        if w is not None:
            w.removed()

    def _start_worker(self, pod: Obj) -> None:
        uid = meta.uid(pod)
        assert self._ctx is not None, "start() comes first"
        w = PodWorker(pod, self._ctx)
        self._workers[uid] = w
        self._tasks[uid] = asyncio.create_task(self._supervise(uid, w),
                                               name=f"pod-{meta.key_of(pod)}")

    async def _supervise(self, uid: str, w: PodWorker) -> None:
        """Run a worker; forget it once it ended by itself. When the agent is stopping
        (cancelled) it stays known, so ``cleanup`` stops its pod gracefully."""
        try:
            await w.run()
            self._ended.add(uid)
        except Exception:
            log.exception("pod=%s worker failed; stopping its containers", w.name)
            await w.stop(0)
        if self._workers.get(uid) is w:
            del self._workers[uid]
            self._tasks.pop(uid, None)

    def _image_of(self, container: Obj) -> images.ImageConfig | images.Unsupported:
        return images.resolve(container, python=sys.executable,
                              user_map=self._user_images.current(),
                              map_file=str(self.config.image_map or ""))


def _finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in FINISHED


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text()
    except OSError:
        return ""
