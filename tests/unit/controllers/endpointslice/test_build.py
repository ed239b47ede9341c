"""One pod as one EndpointSlice endpoint: the ready/serving/terminating conditions.

Upstream's ``podToEndpoint``: ``serving`` is the pod's Ready condition; ``ready`` is
``publishNotReadyAddresses or (serving and not terminating)``; ``terminating`` is the
deletion timestamp.
"""

from __future__ import annotations

import pytest

from tinykube.controllers.endpointslice.build import endpoint_for
from tinykube.testing.workloads import pod, service

SEL = {"app": "web"}


@pytest.mark.parametrize(
    ("pod_ready", "terminating", "publish", "ready", "serving"),
    [
        (True, False, False, True, True),
        (False, False, False, False, False),
        (True, True, False, False, True),
        (False, True, False, False, False),
        # publishNotReadyAddresses forces ready, never serving.
        (False, False, True, True, False),
        (True, True, True, True, True),
        (False, True, True, True, False),
    ],
)
def test_conditions(pod_ready: bool, terminating: bool, publish: bool, ready: bool,
                    serving: bool) -> None:
    p = pod("web-1", SEL, ip="10.244.0.7", ready=pod_ready, node="n1")
    if terminating:
        p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    svc = service("web", SEL, publishNotReadyAddresses=publish)
    ep = endpoint_for(p, svc, "IPv4")
    assert ep is not None
    assert ep["addresses"] == ["10.244.0.7"]
    assert ep["conditions"] == {"ready": ready, "serving": serving,
                                "terminating": terminating}


def test_a_pod_without_an_address_of_the_family_is_no_endpoint() -> None:
    assert endpoint_for(pod("web-1", SEL), service("web", SEL), "IPv4") is None
