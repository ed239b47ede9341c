from pathlib import Path

from tinykube.agent import node
from tinykube.agent.config import AgentConfig

CFG = AgentConfig(state_dir=Path("/data"))


def test_node_object_as_kubectl_shows_it():
    n = node.node_object(CFG, "NOW")
    assert n["metadata"]["name"] == "tinykube-control-plane"
    assert n["metadata"]["labels"]["kubernetes.io/hostname"] == "tinykube-control-plane"
    assert n["spec"] == {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]}
    st = n["status"]
    assert st["addresses"] == [{"type": "InternalIP", "address": "172.18.0.2"},
                               {"type": "Hostname", "address": "tinykube-control-plane"}]
    assert st["nodeInfo"]["kubeletVersion"] == "v1.32.4"
    assert st["nodeInfo"]["containerRuntimeVersion"].startswith("tinykube://")
    ready = next(c for c in st["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True" and ready["reason"] == "KubeletReady"
    assert ready["lastHeartbeatTime"] == "NOW"
    assert st["allocatable"]["pods"] == "110"


def test_conditions_keep_their_transition_time():
    conds = node.conditions("NOW", "SINCE")
    assert {c["lastTransitionTime"] for c in conds} == {"SINCE"}
    assert [c["status"] for c in conds] == ["False", "False", "False", "True"]
