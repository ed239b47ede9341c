"""The probes of one container run: a task per probe, results read by the pod worker.

Started when the container starts and stopped when it stops (a restarted container gets a
fresh ``ContainerProbes``). The startup probe runs first; liveness and readiness start
once it has succeeded (or at once when there is none), each after its initial delay
counted from the container's start. Every result that matters to the pod — readiness
flipping, the container counting as started, a liveness or startup failure that asks for
a restart — calls ``on_change``, which wakes the pod's worker; every failed check also
calls ``on_failure`` (the kubelet's ``Unhealthy`` event). The tasks belong to this
object and are cancelled by ``stop``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from tinykube.agent import probecheck
from tinykube.agent.probes import ProbeKind, ProbeSpec, ProbeState, first_delay
from tinykube.machinery.clock import Clock, LoopClock

log = logging.getLogger(__name__)


class ContainerProbes:
    def __init__(self, specs: dict[ProbeKind, ProbeSpec], target: probecheck.Target,
                 on_change: Callable[[], None], *, clock: Clock | None = None,
                 what: str = "",
                 on_failure: Callable[[ProbeKind, str], None] | None = None) -> None:
        self.states = {kind: ProbeState(spec) for kind, spec in specs.items()}
        self._target = target
        self._on_change = on_change
        self._on_failure = on_failure
        self._clock = clock or LoopClock()
        self._what = what
        self._started_at = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ results

    @property
    def started(self) -> bool:
        s = self.states.get("startup")
        return s is None or s.success

    @property
    def ready(self) -> bool:
        r = self.states.get("readiness")
        return self.started and (r is None or r.success)

    @property
    def failure(self) -> ProbeState | None:
        """The liveness or startup probe that failed, if one did."""
        kinds: tuple[ProbeKind, ...] = ("startup", "liveness")
        for kind in kinds:
            s = self.states.get(kind)
            if s is not None and s.failed:
                return s
        return None

    # ------------------------------------------------------------------ tasks

    def start(self) -> None:
        self._started_at = self._clock.now()
        if "startup" in self.states:
            self._spawn("startup")
        else:
            self._start_main()

    def _start_main(self) -> None:
        kinds: tuple[ProbeKind, ...] = ("liveness", "readiness")
        for kind in kinds:
            if kind in self.states:
                self._spawn(kind)

    def _spawn(self, kind: ProbeKind) -> None:
        self._tasks.append(asyncio.create_task(self._loop(self.states[kind]),
                                               name=f"probe-{kind}-{self._what}"))

    async def _loop(self, state: ProbeState) -> None:
        spec = state.spec
        await self._clock.sleep(first_delay(spec, self._clock.now() - self._started_at))
        while True:
            ok, message = await probecheck.check(spec, self._target)
            changed = state.record(ok, message)
            if not ok:
                log.debug("probe=%s container=%s failed: %s", spec.kind, self._what, message)
                if self._on_failure is not None:
                    self._on_failure(spec.kind, message)
            if changed or state.failed:
                if spec.kind != "readiness" or changed:
                    log.info("probe=%s container=%s result=%s %s", spec.kind, self._what,
                             "success" if state.success else "failure", message)
                self._on_change()
            if state.failed:
                return
            if state.done:
                self._start_main()
                return
            await self._clock.sleep(spec.period)

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
