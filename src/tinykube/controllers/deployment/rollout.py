"""How many pods each of a Deployment's ReplicaSets may have: the rollout arithmetic.

From ``deployment/rolling.go``, ``sync.go`` and ``util/deployment_util.go``:

- ``maxSurge`` and ``maxUnavailable`` are numbers or percentages of ``spec.replicas``;
  surge rounds up, unavailable rounds down, and if both come out 0, unavailable is 1;
- RollingUpdate scales the new ReplicaSet up while the total stays within
  ``replicas + maxSurge``, and old ones down while at least ``replicas - maxUnavailable``
  pods stay available (unhealthy old pods go first, oldest ReplicaSets first);
- Recreate scales every old ReplicaSet to 0, waits for their pods to be gone, then
  scales the new one to ``replicas``;
- a change of ``spec.replicas`` in the middle of a rollout is spread over the active
  ReplicaSets in proportion to their size (``scale``, ``GetProportion``).

Pure functions over ReplicaSet objects; they return sizes, the shell writes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers.deployment.revisions import DESIRED_REPLICAS, MAX_REPLICAS, by_age
from tinykube.errors import Permanent

_PERCENT = re.compile(r"^(\d+)%$")


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """``GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int):
        return value
    m = _PERCENT.match(str(value))
    if m is None:
        raise Permanent(f"invalid value for IntOrString: invalid value {value!r}")
    exact = int(m.group(1)) * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def replicas(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) else 1


def available(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("availableReplicas") or 0)


def actual(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("replicas") or 0)


def strategy(d: Obj) -> dict[str, Any]:
    return dict((d.get("spec") or {}).get("strategy") or {})


def is_rolling(d: Obj) -> bool:
    return bool(strategy(d).get("type", "RollingUpdate") == "RollingUpdate")


def fenceposts(d: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as numbers of pods (``ResolveFenceposts``)."""
    rolling = strategy(d).get("rollingUpdate") or {}
    total = replicas(d)
    surge = scaled_value(rolling.get("maxSurge", 0) or 0, total, True)
    unavailable = scaled_value(rolling.get("maxUnavailable", 0) or 0, total, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: Obj) -> int:
    if not is_rolling(d) or replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def total(sets: Iterable[Obj | None]) -> int:
    return sum(replicas(rs) for rs in sets if rs is not None)


def active(sets: Iterable[Obj | None]) -> list[Obj]:
    return [rs for rs in sets if rs is not None and replicas(rs) > 0]


def new_rs_replicas(d: Obj, all_sets: list[Obj], new: Obj) -> int:
    """The size the new ReplicaSet may grow to now (``NewRSNewReplicas``)."""
    want = replicas(d)
    if not is_rolling(d):
        return want
    max_total = want + max_surge(d)
    current = total(all_sets)
    if current >= max_total:
        return replicas(new)
    return replicas(new) + min(max_total - current, want - replicas(new))


def scale_down_old(d: Obj, all_sets: list[Obj], old: list[Obj], new: Obj | None,
                   ) -> dict[str, int]:
    """New sizes of old ReplicaSets for a rolling update (``reconcileOldReplicaSets``)."""
    old_active = active(old)
    if total(old_active) == 0:
        return {}
    min_available = replicas(d) - max_unavailable(d)
    new_unavailable = (replicas(new) - available(new)) if new is not None else 0
    max_scaled_down = total(all_sets) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return {}
    sizes = {meta.name(rs): replicas(rs) for rs in old_active}
    cleaned = 0
    for rs in by_age(old_active):  # unhealthy replicas first
        if cleaned >= max_scaled_down:
            break
        unhealthy = sizes[meta.name(rs)] - available(rs)
        if sizes[meta.name(rs)] == 0 or unhealthy <= 0:
            continue
        down = min(max_scaled_down - cleaned, unhealthy)
        sizes[meta.name(rs)] -= down
        cleaned += down
    available_now = sum(available(rs) for rs in [*old, new] if rs is not None)
    budget = available_now - min_available
    for rs in by_age(old_active):  # then healthy ones, while availability allows
        if budget <= 0:
            break
        size = sizes[meta.name(rs)]
        if size == 0:
            continue
        down = min(size, budget)
        sizes[meta.name(rs)] = size - down
        budget -= down
    return {name: size for name, size in sizes.items()
            if size != replicas(next(rs for rs in old_active if meta.name(rs) == name))}


def scale_annotations(d: Obj) -> dict[str, str]:
    return {DESIRED_REPLICAS: str(replicas(d)), MAX_REPLICAS: str(replicas(d) + max_surge(d))}


def _annotation_int(rs: Obj, key: str) -> int | None:
    try:
        return int(meta.annotations_of(rs)[key])
    except (KeyError, ValueError):
        return None


def is_scaling_event(d: Obj, sets: Sequence[Obj | None]) -> bool:
    """Whether ``spec.replicas`` changed since the active ReplicaSets were last sized."""
    for rs in active(sets):
        desired = _annotation_int(rs, DESIRED_REPLICAS)
        if desired is not None and desired != replicas(d):
            return True
    return False


def active_or_latest(new: Obj | None, old: list[Obj]) -> Obj | None:
    """The only active ReplicaSet, or the newest when none is active (``FindActiveOrLatest``)."""
    if new is None and not old:
        return None
    live = active([*old, new])
    if len(live) == 1:
        return live[0]
    if not live:
        return new if new is not None else by_age(old)[-1]
    return None


def is_saturated(d: Obj, new: Obj | None) -> bool:
    return (new is not None and _annotation_int(new, DESIRED_REPLICAS) == replicas(d)
            and replicas(new) == replicas(d) and available(new) == replicas(d))


def scale_sizes(d: Obj, new: Obj | None, old: list[Obj], status_replicas: int,
                ) -> dict[str, int]:
    """Sizes for a scaling event (``DeploymentController.scale``); every active
    ReplicaSet is listed, changed or not, so its size annotations can be brought up to
    date too."""
    single = active_or_latest(new, old)
    if single is not None:
        return {meta.name(single): replicas(d)}
    if is_saturated(d, new):
        return {meta.name(rs): 0 for rs in active(old)}
    if not is_rolling(d):
        return {}
    live = active([*old, new])
    allowed = replicas(d) + max_surge(d) if replicas(d) > 0 else 0
    to_add = allowed - total(live)
    newer_first = [rs for rs in reversed(by_age(live))]
    if to_add > 0:  # bigger first; among equals the newer
        ordered = sorted(newer_first, key=lambda rs: -replicas(rs))
    else:  # bigger first; among equals the older
        ordered = sorted(by_age(live), key=lambda rs: -replicas(rs))
    sizes, added = {}, 0
    for rs in ordered:
        share = _proportion(rs, d, to_add, added, status_replicas) if to_add else 0
        sizes[meta.name(rs)] = replicas(rs) + share
        added += share
    if ordered and to_add:
        first = meta.name(ordered[0])
        sizes[first] = max(0, sizes[first] + to_add - added)
    return sizes


def _proportion(rs: Obj, d: Obj, to_add: int, added: int, status_replicas: int) -> int:
    """``GetProportion``: this ReplicaSet's share of ``to_add``, within what is left."""
    if replicas(rs) == 0 or to_add in (0, added):
        return 0
    allowed = to_add - added
    fraction = _fraction(rs, d, status_replicas)
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(rs: Obj, d: Obj, status_replicas: int) -> int:
    if replicas(d) == 0:
        return -replicas(rs)
    new_max = replicas(d) + max_surge(d)
    old_max = _annotation_int(rs, MAX_REPLICAS) or status_replicas
    if not old_max:
        return 0
    return _round_half_away(replicas(rs) * new_max / old_max) - replicas(rs)


def _round_half_away(x: float) -> int:
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)
