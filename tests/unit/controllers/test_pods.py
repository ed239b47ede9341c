"""Pod state as the controllers read it."""

from datetime import UTC, datetime

from tinykube.controllers import pods
from tinykube.testing.workloads import pod, pod_status

NOW = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)


def test_ready_active_terminal():
    p = pod("a", ip="10.0.0.1", ready=True)
    assert pods.is_ready(p) and pods.is_active(p) and pods.is_running(p)
    p["metadata"]["deletionTimestamp"] = "x"
    assert not pods.is_active(p)
    assert pods.is_terminal(pod("b", ip="10.0.0.2", phase="Succeeded"))
    assert not pods.is_ready(pod("c"))


def test_availability_waits_for_min_ready_seconds():
    p = pod("a")
    p["status"] = pod_status("10.0.0.1", ready=True, since="2024-01-01T00:00:00Z")
    assert pods.available_in(p, 0, NOW) == 0.0
    assert pods.available_in(p, 20, NOW) == 0.0
    assert pods.available_in(p, 45, NOW) == 15.0
    assert not pods.is_available(p, 45, NOW)
    assert pods.available_in(pod("b", ip="10.0.0.2"), 0, NOW) is None


def test_ips_prefer_the_list():
    p = pod("a", ip="10.0.0.1")
    p["status"]["podIPs"] = [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]
    assert pods.ips(p) == ["10.0.0.1", "fd00::1"]
    assert pods.ips({"status": {"podIP": "10.0.0.9"}}) == ["10.0.0.9"]
    assert pods.ips(pod("b")) == []
