"""One pod's worker: sandbox, containers, probes, restarts, status and termination.

A worker is a task per pod (the kubelet's pod workers). It is woken by the pod's updates,
its containers' exits, probe results and back-off timers, and each time it runs ``sync``
— safe to run any number of times — which makes the world match the pod:

1. a sandbox (IP, network namespace, files) once;
2. init containers one after the other, each to a zero exit;
3. every container running, or waiting for its back-off, or left terminated as the
   restart policy says; a liveness or startup failure kills the container;
4. the status computed from the records and written only when it changed.

A pod with a ``deletionTimestamp`` (or gone from the API) is terminated: probes stop,
SIGTERM to every container, SIGKILL after the grace period, the sandbox is torn down, the
IP released, and the pod deleted with grace 0. A pod that reached Succeeded or Failed
keeps its status and logs but loses its network.

Along the way it tells the user what it did through the kubelet's Events (``events.py``):
``Pulled``, ``Created``, ``Started``, ``Killing``, and the warnings ``Failed``,
``BackOff`` and ``Unhealthy`` (a declared probe's failed check).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from tinykube.agent import (
    envvars,
    hostsfile,
    images,
    podapi,
    probecheck,
    probes,
    runtime,
    sandbox,
    status,
)
from tinykube.agent.config import AgentConfig
from tinykube.agent.events import EventSink, EventType, NoEvents
from tinykube.agent.ipam import Ipam
from tinykube.agent.lifecycle import Backoff, Container, should_restart
from tinykube.agent.probecheck import Target
from tinykube.agent.prober import ContainerProbes
from tinykube.agent.resolv import ResolvConf
from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.errors import ConfigError, SystemError_, TinykubeError
from tinykube.machinery.clock import Clock

log = logging.getLogger(__name__)

SANDBOX_RETRY = 5.0
CONFIG_RETRY = 10.0
PUBLISH_RETRY = 1.0
KILL_WAIT = 5.0
HOOK_EXTRA = 2.0


@dataclass
class PodContext:
    """What every pod worker shares: the agent's settings, pool and views."""

    config: AgentConfig
    api: podapi.AgentApi
    ipam: Ipam
    services: Callable[[], list[Obj]]
    image_of: Callable[[Obj], images.ImageConfig | images.Unsupported]
    node_resolv: ResolvConf
    ca_pem: str
    clock: Clock
    events: EventSink = field(default_factory=NoEvents)


class PodWorker:
    def __init__(self, pod: Obj, ctx: PodContext) -> None:
        self.pod = pod
        self.ctx = ctx
        self.uid = meta.uid(pod)
        self.layout = sandbox.Layout.of(pod, ctx.config)
        self.ip: str | None = None
        self.sandbox_ready = False
        self.terminal = ""
        previous = pod.get("status") or {}
        self.start_time = str(previous.get("startTime") or meta.now())
        self.records = _records(pod, "containers", "containerStatuses")
        self.init_records = _records(pod, "initContainers", "initContainerStatuses")
        self.running: dict[str, runtime.Running] = {}
        self.probes: dict[str, ContainerProbes] = {}
        self.backoff: dict[str, Backoff] = {}
        self.exited_at: dict[str, float] = {}
        self.killing: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._removed = False
        self._published: Obj | None = None

    # ------------------------------------------------------------------ signals from outside

    @property
    def name(self) -> str:
        return f"{meta.namespace(self.pod)}/{meta.name(self.pod)}"

    def update(self, pod: Obj) -> None:
        self.pod = pod
        self.wake()

    def removed(self) -> None:
        """The pod is gone from the API (deleted without us, or force-deleted)."""
        self._removed = True
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def _event(self, type_: EventType, reason: str, message: str, container: str) -> None:
        """One of the kubelet's Events about ``container`` of this pod."""
        init = container in self.init_records and container not in self.records
        self.ctx.events.record(self.pod, type_, reason, message, container=container,
                               init=init)

    def _wake_after(self, delay: float) -> None:
        """Wake up after ``delay`` seconds. One timer, the earliest: the sync it causes
        recomputes every wait (back-off, retries) and asks again for the next."""
        loop = asyncio.get_running_loop()
        at = loop.time() + delay
        if self._timer is not None and loop.time() <= self._timer_at <= at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = loop.call_later(delay, self.wake)

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        try:
            while not (self._removed or meta.is_terminating(self.pod)):
                self._wake.clear()
                await self.sync()
                await self.publish()
                await self._wake.wait()
            await self.terminate()
        finally:
            if self._timer is not None:
                self._timer.cancel()

    async def sync(self) -> None:
        if self.terminal:
            return
        if not self.sandbox_ready and not await self._make_sandbox():
            return
        if not await self._init_containers():
            self._check_terminal()
            return
        for c in _containers(self.pod, "containers"):
            await self._ensure(c, self.records, main=True)
        self._check_terminal()

    # ------------------------------------------------------------------ sandbox

    async def _make_sandbox(self) -> bool:
        cfg = self.ctx.config
        try:
            if self.layout.own_netns:
                preferred = (self.pod.get("status") or {}).get("podIP")
                self.ip = self.ctx.ipam.allocate(self.uid, preferred)
            else:
                self.ip = cfg.host_ip
            content = sandbox.files(self.pod, cfg, [self.ip], self.ctx.node_resolv,
                                    self.ctx.ca_pem)
            await sandbox.create(self.layout, content, self.ip, cfg)
        except (SystemError_, OSError, ValueError) as e:
            log.warning("pod=%s sandbox failed, retry in %.0fs: %s", self.name, SANDBOX_RETRY, e)
            for rec in (*self.init_records.values(), *self.records.values()):
                rec.waiting("ContainerCreating", f"failed to create the pod sandbox: {e}")
            self._release_ip()
            self._wake_after(SANDBOX_RETRY)
            return False
        self.sandbox_ready = True
        log.info("pod=%s sandbox ready ip=%s netns=%s", self.name, self.ip, self.layout.netns)
        return True

    def _release_ip(self) -> None:
        if self.layout.own_netns:
            self.ctx.ipam.release(self.uid)

    # ------------------------------------------------------------------ containers

    async def _init_containers(self) -> bool:
        """Run init containers in order; True once all have succeeded."""
        for c in _containers(self.pod, "initContainers"):
            rec = self.init_records[c["name"]]
            if rec.exit_code == 0:
                continue
            if c["name"] in self.running:
                return False
            if rec.exit_code is not None and self._policy() == "Never":
                self.terminal = "Failed"
                return False
            await self._ensure(c, self.init_records, main=False)
            for name, other in self.records.items():
                if not other.has_run and name not in self.running:
                    other.waiting("PodInitializing")
            return False
        return True

    def _policy(self) -> str:
        return str((self.pod.get("spec") or {}).get("restartPolicy") or "Always")

    async def _ensure(self, c: Obj, records: dict[str, Container], *, main: bool) -> None:
        name = str(c["name"])
        rec = records[name]
        if name in self.running:
            self._follow_probes(name, rec)
            return
        code = rec.exit_code
        policy = self._policy() if main else ("Never" if self._policy() == "Never"
                                              else "OnFailure")
        if code is not None and not should_restart(policy, code):
            return
        if rec.has_run and not self._backoff_over(name, rec):
            return
        await self._start(c, rec)

    def _backoff_over(self, name: str, rec: Container) -> bool:
        now = self.ctx.clock.now()
        back = self.backoff.setdefault(name, Backoff())
        wait = back.wait(self.exited_at.get(name, now), now)
        if wait <= 0:
            return True
        delay = back.delay or 0
        rec.waiting("CrashLoopBackOff", f"back-off {_duration(delay)} restarting failed "
                    f"container={name} pod={meta.name(self.pod)}_{meta.namespace(self.pod)}"
                    f"({self.uid})")
        self._event("Warning", "BackOff", f"Back-off restarting failed container {name} in "
                    f"pod {meta.name(self.pod)}_{meta.namespace(self.pod)}({self.uid})", name)
        self._wake_after(wait)
        return False

    async def _start(self, c: Obj, rec: Container) -> None:
        name = str(c["name"])
        image = self.ctx.image_of(c)
        if isinstance(image, images.Unsupported):
            rec.waiting(image.reason, image.message)
            self._event("Warning", "Failed", image.message, name)
            self._wake_after(CONFIG_RETRY)   # the user may map the image meanwhile
            return
        host = hostsfile.hostname(self.pod, self.ctx.config.node_name)
        try:
            env = envvars.container_env(self.pod, c, self.ctx.services(), self._runtime(),
                                        hostname=host)
        except ConfigError as e:
            rec.waiting("CreateContainerConfigError", str(e))
            self._event("Warning", "Failed", f"Error: {e}", name)
            self._wake_after(CONFIG_RETRY)
            return
        self._event("Normal", "Pulled", f"Container image \"{c.get('image') or ''}\" already "
                    "present on machine", name)
        argv = envvars.command_line(c, list(image.entrypoint), list(image.cmd), env)
        restarted = rec.has_run
        now = meta.now()
        if restarted:
            self.backoff.setdefault(name, Backoff()).restarted(self.ctx.clock.now())
        restart = rec.restart_count + (1 if restarted else 0)
        missing = runtime.missing_executable(argv, env)
        if missing:
            self._start_error(name, rec, now, restarted, missing)
            return
        spawn = runtime.spawn_for(self.layout, c, argv, env, hostname=host, restart=restart,
                                  service_account=sandbox.automount(self.pod))
        try:
            run = runtime.start(spawn, now)
        except (SystemError_, OSError) as e:
            self._start_error(name, rec, now, restarted, str(e))
            return
        self._event("Normal", "Created", f"Created container {name}", name)
        self._event("Normal", "Started", f"Started container {name}", name)
        rec.running(run.id, now, restarted=restarted)
        rec.image_id = f"tinykube://{images.repository(str(c.get('image') or ''))}"
        self.running[name] = run
        self._spawn(self._watch(name, run, rec))
        self._start_probes(c, rec, run, image.serves)
        log.info("pod=%s container=%s started pid=%d restart=%d", self.name, name, run.pid,
                 rec.restart_count)

    def _start_error(self, name: str, rec: Container, now: str, restarted: bool,
                     message: str) -> None:
        """A run that never started: terminated with 128 and ``StartError``, as containerd
        reports it; the restart policy and back-off then apply as to any exit."""
        self._event("Warning", "Failed", f"Error: {message}", name)
        rec.running("", now, restarted=restarted)
        rec.terminated(runtime.START_ERROR_CODE, now, reason="StartError", message=message)
        self.exited_at[name] = self.ctx.clock.now()
        self._wake_after(0)

    def _runtime(self) -> envvars.PodRuntime:
        return envvars.PodRuntime(pod_ips=(self.ip,) if self.ip else (),
                                  host_ips=(self.ctx.config.host_ip,),
                                  allocatable=self.ctx.config.capacity)

    def _start_probes(self, c: Obj, rec: Container, run: runtime.Running,
                      serves: int | None) -> None:
        specs = probes.specs(c)
        if serves is not None and "startup" not in specs:
            specs["startup"] = probes.serving(serves)
        target = Target(self.layout.netns_path, self.ip or "", c, run.pid, run.env)
        declared = set(probes.specs(c))
        name = str(c["name"])

        def unhealthy(kind: probes.ProbeKind, message: str) -> None:
            if kind in declared:   # not the stand-in's implicit startup probe
                self._event("Warning", "Unhealthy", _probe_failed(kind, message), name)

        p = ContainerProbes(specs, target, self.wake, clock=self.ctx.clock,
                            what=f"{self.name}/{c['name']}", on_failure=unhealthy)
        self.probes[str(c["name"])] = p
        p.start()
        self._follow_probes(str(c["name"]), rec)

    def _follow_probes(self, name: str, rec: Container) -> None:
        p = self.probes.get(name)
        if p is None:
            return
        rec.started, rec.ready = p.started, p.ready
        failure = p.failure
        if failure is not None and name not in self.killing:
            log.info("pod=%s container=%s failed %s probe, will be restarted: %s", self.name,
                     name, failure.spec.kind, failure.last_message)
            self._event("Normal", "Killing", f"Container {name} failed {failure.spec.kind} "
                        "probe, will be restarted", name)
            grace = failure.spec.termination_grace
            self._spawn(self._kill(name, self._grace() if grace is None else grace))

    async def _watch(self, name: str, run: runtime.Running, rec: Container) -> None:
        code = await run.wait()
        if self.running.get(name) is not run:
            return
        del self.running[name]
        self.killing.discard(name)
        p = self.probes.pop(name, None)
        if p is not None:
            await p.stop()
        rec.terminated(code, meta.now())
        self.exited_at[name] = self.ctx.clock.now()
        log.info("pod=%s container=%s exited code=%d", self.name, name, code)
        self.wake()

    async def _kill(self, name: str, grace: float) -> None:
        run = self.running.get(name)
        if run is None:
            return
        self.killing.add(name)
        await self._stop_container(name, run, grace)

    async def _stop_container(self, name: str, run: runtime.Running, grace: float) -> None:
        """The preStop hook, SIGTERM, and SIGKILL when ``grace`` seconds have passed (at
        least ``HOOK_EXTRA`` after a hook, as the kubelet allows)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        hook = _pre_stop(self.pod, name)
        if hook:
            target = Target(self.layout.netns_path, self.ip or "", _spec_of(self.pod, name),
                            run.pid, run.env)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    ok, message = await probecheck.run_hook(hook, target, grace)
                    if not ok:
                        log.info("pod=%s container=%s preStop hook failed: %s", self.name,
                                 name, message)
            deadline = max(deadline, loop.time() + HOOK_EXTRA)
        run.process.signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(max(0.0, deadline - loop.time())):
                await run.process.wait()
        except TimeoutError:
            run.process.signal(signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(KILL_WAIT):
                    await run.process.wait()

    def _grace(self) -> float:
        md, spec = self.pod.get("metadata") or {}, self.pod.get("spec") or {}
        for value in (md.get("deletionGracePeriodSeconds"),
                      spec.get("terminationGracePeriodSeconds")):
            if isinstance(value, int):
                return float(value)
        return 30.0

    def _check_terminal(self) -> None:
        view = self.view()
        p = status.phase(view, list(self.records.values()))
        if p in ("Succeeded", "Failed") and not self.running:
            self.terminal = p
            log.info("pod=%s finished phase=%s", self.name, p)
            self._spawn(self._release_network())

    async def _release_network(self) -> None:
        await sandbox.remove_network(self.layout)
        self._release_ip()

    # ------------------------------------------------------------------ status

    def view(self) -> status.PodView:
        spec = self.pod.get("spec") or {}
        gates = tuple(str(g.get("conditionType")) for g in spec.get("readinessGates") or [])
        init_done = all(r.exit_code == 0 for r in self.init_records.values())
        return status.PodView(
            restart_policy=self._policy(),
            pod_ips=(self.ip,) if self.ip else (),
            host_ips=(self.ctx.config.host_ip,),
            start_time=self.start_time,
            sandbox_ready=self.sandbox_ready and not self.terminal,
            init_done=init_done,
            readiness_gates=gates,
            terminal=self.terminal,
        )

    def current_status(self) -> Obj:
        return status.pod_status(self.view(), list(self.records.values()),
                                 list(self.init_records.values()),
                                 self.pod.get("status") or {}, meta.now())

    async def publish(self) -> None:
        new = self.current_status()
        if new == self._published:
            return
        if new == (self.pod.get("status") or {}):
            self._published = new
            return
        try:
            if await podapi.publish_status(self.ctx.api, self.pod, new):
                self._published = new
        except TinykubeError as e:
            log.warning("pod=%s status update failed, retrying: %s", self.name, e)
            self._wake_after(PUBLISH_RETRY)

    # ------------------------------------------------------------------ termination

    async def terminate(self) -> None:
        """Stop everything of this pod and, unless it is already gone, delete it."""
        grace = self._grace()
        log.info("pod=%s terminating grace=%.0fs", self.name, grace)
        await self.stop(grace)
        if not self._removed:
            with contextlib.suppress(TinykubeError):
                await self.publish()
            try:
                await podapi.delete_now(self.ctx.api, self.pod)
            except TinykubeError as e:
                log.warning("pod=%s final delete failed: %s", self.name, e)
        sandbox.remove_dir(self.layout)

    async def stop(self, grace: float) -> None:
        """Every container stopped (preStop, SIGTERM, SIGKILL after ``grace``), sandbox
        down, IP released."""
        for p in list(self.probes.values()):
            await p.stop()
        self.probes.clear()
        running = list(self.running.items())
        for name, _run in running:
            if name not in self.killing:
                self._event("Normal", "Killing", f"Stopping container {name}", name)
        await asyncio.gather(*(self._stop_container(name, run, grace) for name, run in running))
        await self._cancel_tasks()
        for name, run in running:
            run.close()
            rec = self.records.get(name) or self.init_records.get(name)
            if rec is not None and rec.is_running:
                code = run.process.returncode
                rec.terminated(code if code is not None else 137, meta.now())
        self.running.clear()
        await sandbox.remove_network(self.layout)
        self._release_ip()
        self.sandbox_ready = False

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _cancel_tasks(self) -> None:
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _spec_of(pod: Obj, name: str) -> Obj:
    for key in ("containers", "initContainers"):
        for c in _containers(pod, key):
            if c.get("name") == name:
                return c
    return {"name": name}


def _pre_stop(pod: Obj, name: str) -> Obj | None:
    hook = (_spec_of(pod, name).get("lifecycle") or {}).get("preStop")
    return hook if isinstance(hook, dict) and hook else None


def _containers(pod: Obj, key: str) -> list[Obj]:
    return [c for c in (pod.get("spec") or {}).get(key) or [] if isinstance(c, dict)]


def _records(pod: Obj, key: str, status_key: str) -> dict[str, Container]:
    previous = {s.get("name"): s for s in (pod.get("status") or {}).get(status_key) or []}
    return {str(c["name"]): Container.resumed(str(c["name"]), str(c.get("image") or ""),
                                              previous.get(c["name"]))
            for c in _containers(pod, key)}


def _probe_failed(kind: str, message: str) -> str:
    """``Readiness probe failed: HTTP probe failed with statuscode: 500``."""
    prefix = f"{kind} probe failed: "
    if message.startswith(prefix):
        message = message[len(prefix):]
    return f"{kind.capitalize()} probe failed: {message}"


def _duration(seconds: float) -> str:
    """Go's time.Duration formatting for whole seconds: ``10s``, ``1m20s``, ``5m0s``."""
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60}s"

