from pathlib import Path

from tinykube.agent import sandbox
from tinykube.agent.config import AgentConfig
from tinykube.agent.resolv import ResolvConf

CFG = AgentConfig(state_dir=Path("/data/agent"), node_name="tinykube-n1",
                  service_account_token="tok")
UID = "ff6b6445-88a9-4775-af16-732ad29be064"


def pod(**spec: object) -> dict:
    return {"metadata": {"name": "web-0", "namespace": "prod", "uid": UID},
            "spec": {"hostname": "web-0", "subdomain": "nginx", **spec}}


def test_layout_names_fit_the_kernel_and_carry_our_prefix():
    lay = sandbox.Layout.of(pod(), CFG)
    assert lay.netns == "tinykube-pod-ff6b644588a9" and lay.own_netns
    assert lay.veth == "tk-ff6b644588a9" and len(lay.veth) <= 15
    assert lay.dir == Path("/data/agent/tinykube-n1/pods") / UID
    assert lay.log_path("c", 2) == lay.dir / "containers" / "c" / "2.log"
    assert lay.netns_path == "/run/netns/tinykube-pod-ff6b644588a9"


def test_host_network_pods_use_the_node_namespace():
    lay = sandbox.Layout.of(pod(hostNetwork=True), CFG)
    assert lay.netns == "tinykube-n1" and not lay.own_netns


def test_binds_cover_the_etc_files_and_the_service_account_read_only():
    lay = sandbox.Layout.of(pod(), CFG)
    binds = {b.target: b for b in lay.binds(True)}
    assert set(binds) == {"/etc/resolv.conf", "/etc/hosts", "/etc/hostname",
                          "/var/run/secrets/kubernetes.io/serviceaccount"}
    assert binds["/var/run/secrets/kubernetes.io/serviceaccount"].readonly
    assert not binds["/etc/hosts"].readonly
    assert len(lay.binds(False)) == 3


def test_files():
    f = sandbox.files(pod(), CFG, ["10.244.0.9"], ResolvConf(), "PEM")
    assert f.resolv_conf.startswith("search prod.svc.cluster.local ")
    assert "10.244.0.9\tweb-0.nginx.prod.svc.cluster.local\tweb-0\n" in f.hosts
    assert f.hostname == "web-0\n"
    assert f.service_account == {"token": "tok", "ca.crt": "PEM", "namespace": "prod"}
    assert sandbox.files(pod(automountServiceAccountToken=False), CFG, [], ResolvConf(),
                         "").service_account is None


def test_written_files_and_leftovers_are_found_again(tmp_path):
    cfg = AgentConfig(state_dir=tmp_path, node_name="tinykube-n1")
    lay = sandbox.Layout.of(pod(), cfg)
    sandbox.write_files(lay, sandbox.files(pod(), cfg, ["10.244.0.9"], ResolvConf(), "PEM"))
    assert (lay.service_account / "namespace").read_text() == "prod"
    (cfg.pods_dir / "not-a-sandbox").mkdir()
    found = {lay.uid: lay for lay in sandbox.leftovers(cfg)}
    assert found[UID].netns == "tinykube-pod-ff6b644588a9" and found[UID].own_netns
    assert found["not-a-sandbox"].netns.startswith("tinykube-pod-")
    sandbox.remove_dir(lay)
    assert not lay.dir.exists()
