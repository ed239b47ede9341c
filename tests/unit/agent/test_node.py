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


def test_shell_files_give_the_node_cluster_dns(tmp_path):
    cfg = AgentConfig(state_dir=tmp_path, node_name="tinykube-n1")
    files = node.shell_files(cfg, node.ResolvConf(("1.1.1.1",), ("corp",)))
    assert files["resolv.conf"] == ("search default.svc.cluster.local svc.cluster.local "
                                    "cluster.local corp\nnameserver 10.96.0.10\n"
                                    "options ndots:5\n")
    assert "172.18.0.2\ttinykube-n1\n" in files["hosts"]
    node.write_shell_files(cfg)
    assert (cfg.node_dir / "etc" / "hostname").read_text() == "tinykube-n1\n"


def test_shell_spawn_runs_in_the_node_namespace(tmp_path):
    cfg = AgentConfig(state_dir=tmp_path, node_name="tinykube-n1")
    s = node.shell_spawn(cfg, [], tty=True)
    assert s.argv == ("sh",) and s.netns == "/run/netns/tinykube-n1" and s.stdio == "pty"
    assert s.hostname == "tinykube-n1"
    assert {b.target for b in s.binds} == {"/etc/resolv.conf", "/etc/hosts", "/etc/hostname"}
    assert node.shell_spawn(cfg, ["nslookup", "kubernetes"], tty=False).stdio == "pipes"
