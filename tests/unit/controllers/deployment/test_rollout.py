"""Rollout arithmetic: fenceposts, surge and unavailability, proportional scaling."""

import pytest

from tinykube.controllers.deployment import rollout
from tinykube.controllers.deployment.revisions import DESIRED_REPLICAS, MAX_REPLICAS
from tinykube.errors import Permanent


def deployment(replicas: int, surge="25%", unavailable="25%", type_="RollingUpdate") -> dict:
    strategy: dict = {"type": type_}
    if type_ == "RollingUpdate":
        strategy["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "d"}, "spec": {"replicas": replicas, "strategy": strategy}}


def rs(name: str, replicas: int, available: int | None = None, created: str = "1",
       desired: int | None = None, max_replicas: int | None = None) -> dict:
    notes = {}
    if desired is not None:
        notes[DESIRED_REPLICAS] = str(desired)
    if max_replicas is not None:
        notes[MAX_REPLICAS] = str(max_replicas)
    return {"metadata": {"name": name, "creationTimestamp": created, "annotations": notes},
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas,
                       "availableReplicas": replicas if available is None else available}}


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "want"), [
    (2, "25%", "25%", (1, 0)),     # surge rounds up, unavailable down
    (10, "25%", "25%", (3, 2)),
    (5, 0, "10%", (0, 1)),         # both zero: unavailable becomes 1
    (4, 2, 1, (2, 1)),
    (3, "100%", "0%", (3, 0)),
])
def test_fenceposts(replicas, surge, unavailable, want):
    assert rollout.fenceposts(deployment(replicas, surge, unavailable)) == want


def test_max_unavailable_is_capped_and_zero_for_recreate():
    assert rollout.max_unavailable(deployment(2, 0, 5)) == 2
    assert rollout.max_unavailable(deployment(2, type_="Recreate")) == 0
    assert rollout.max_surge(deployment(2, type_="Recreate")) == 0
    with pytest.raises(Permanent):
        rollout.scaled_value("lots", 10, True)


def test_new_replica_set_grows_within_surge():
    d = deployment(3, 1, 0)
    old, new = rs("old", 3), rs("new", 0, created="2")
    assert rollout.new_rs_replicas(d, [old, new], new) == 1
    bigger = rs("new", 1, created="2")
    assert rollout.new_rs_replicas(d, [rs("old", 3), bigger], bigger) == 1  # at 3 + 1
    assert rollout.new_rs_replicas(deployment(3, type_="Recreate"), [old, new], new) == 3


def test_old_replica_sets_shrink_only_while_enough_stay_available():
    d = deployment(3, 1, 0)
    old, new = rs("old", 3), rs("new", 1, created="2")
    assert rollout.scale_down_old(d, [old, new], [old], new) == {"old": 2}
    unready_new = rs("new", 1, available=0, created="2")
    assert rollout.scale_down_old(d, [old, unready_new], [old], unready_new) == {}


def test_unhealthy_old_pods_go_first_oldest_first():
    d = deployment(4, 0, 1)
    a = rs("a", 2, available=0, created="1")
    b = rs("b", 2, available=2, created="2")
    new = rs("new", 0, created="3")
    # 4 total, min available 3, nothing new unavailable: 1 may go, and it is a's
    assert rollout.scale_down_old(d, [a, b, new], [a, b], new) == {"a": 1}


def test_single_active_replica_set_takes_the_whole_scale():
    d = deployment(5)
    only = rs("only", 2, desired=2)
    assert rollout.is_scaling_event(d, [only])
    assert rollout.scale_sizes(d, only, [rs("gone", 0)], 2) == {"only": 5}


def test_saturated_new_replica_set_scales_old_ones_to_zero():
    d = deployment(3)
    new = rs("new", 3, desired=3, created="2")
    assert rollout.scale_sizes(d, new, [rs("old", 1, created="1")], 4) == {"old": 0}


def test_proportional_scaling_mid_rollout():
    # 10 replicas, surge 3: old 8 + new 5 = 13. Scaling to 20 allows 25: 12 more.
    d = deployment(20)
    old = rs("old", 8, desired=10, max_replicas=13, created="1")
    new = rs("new", 5, available=0, desired=10, max_replicas=13, created="2")
    assert rollout.is_scaling_event(d, [old, new])
    assert rollout.scale_sizes(d, new, [old], 13) == {"old": 15, "new": 10}
    # and back down to 10: 25 -> 13
    d = deployment(10)
    old = rs("old", 15, desired=20, max_replicas=25, created="1")
    new = rs("new", 10, available=0, desired=20, max_replicas=25, created="2")
    sizes = rollout.scale_sizes(d, new, [old], 25)
    assert sum(sizes.values()) == 13 and sizes == {"old": 8, "new": 5}
