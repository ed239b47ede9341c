from pathlib import Path

from tinykube.agent.config import AgentConfig


def test_derived_names_and_addresses():
    c = AgentConfig(state_dir=Path("/d"))
    assert c.node_netns == "tinykube-control-plane"
    assert AgentConfig(state_dir=Path("/d"), node_name="worker").node_netns == "tinykube-worker"
    assert c.gateway == "10.244.0.1" and c.host_ip == "172.18.0.2"
    assert c.pods_dir == Path("/d/tinykube-control-plane/pods")
    other = AgentConfig(state_dir=Path("/d"), pod_cidr="10.244.3.0/24", node_ip="172.18.0.5/24")
    assert other.gateway == "10.244.3.1" and other.host_ip == "172.18.0.5"
