import pytest

from tinykube.host import netns


def test_only_our_namespaces_are_accepted():
    assert netns.check_name("tinykube-pod-abc") == "tinykube-pod-abc"
    assert netns.path("tinykube-pod-abc") == "/run/netns/tinykube-pod-abc"
    for bad in ("default", "", "tinykube/../x", "other-tinykube", "x" * 300):
        with pytest.raises(ValueError):
            netns.check_name(bad)
        with pytest.raises(ValueError):
            netns.path(bad)


def test_interface_names_fit_15_characters():
    assert netns.ifname("", "ff6b6445-88a9-4775") == "tk-ff6b644588a9"
    assert len(netns.ifname("node", "abcdefghijklmnop")) == 15
    with pytest.raises(ValueError):
        netns.check_ifname("a-name-that-is-too-long")


def test_bridge_plan():
    b = netns.bridge_plan("tinykube-n1", "cbr0", "10.244.0.1/24")
    assert b == netns.IpBatch("tinykube-n1", (
        "link set lo up", "link add cbr0 type bridge", "addr add 10.244.0.1/24 dev cbr0",
        "link set cbr0 up"))


def test_veth_plan_creates_the_peer_directly_in_the_pod_namespace():
    node, pod = netns.veth_plan("tinykube-n1", "cbr0", "tk-abc", peer_ns="tinykube-pod-abc",
                                peer_if="eth0", address="10.244.0.5/24", gateway="10.244.0.1")
    assert node.netns == "tinykube-n1" and pod.netns == "tinykube-pod-abc"
    assert node.lines == ("link add tk-abc type veth peer name eth0 netns tinykube-pod-abc",
                          "link set tk-abc master cbr0",
                          "link set tk-abc type bridge_slave hairpin on",
                          "link set tk-abc up")
    assert pod.lines == ("link set lo up", "addr add 10.244.0.5/24 dev eth0",
                         "link set eth0 up", "route add default via 10.244.0.1")


def test_plans_refuse_the_host_namespace_and_bad_addresses():
    with pytest.raises(ValueError):
        netns.bridge_plan("host", "cbr0", "10.244.0.1/24")
    with pytest.raises(ValueError):
        netns.bridge_plan("tinykube-n1", "cbr0", "10.244.0.1/24; reboot")
    with pytest.raises(ValueError):
        netns.veth_plan("tinykube-n1", "cbr0", "tk-a", peer_ns="tinykube-p", peer_if="eth0",
                        address="10.244.0.5/24", gateway="not-an-ip")


def test_local_address_plan():
    p = netns.local_address_plan("tinykube-n1", "tk-node", "dummy", "172.18.0.2/24")
    assert p.lines == ("link add tk-node type dummy", "addr add 172.18.0.2/24 dev tk-node",
                       "link set tk-node up")
    routed = netns.local_address_plan("tinykube-n1", "tk-node", "ifb", "172.18.0.2/24",
                                      default_route=True)
    assert routed.lines[-1] == "route add default dev tk-node"


async def test_sysctls_outside_net_are_refused():
    with pytest.raises(ValueError):
        await netns.write_sysctl("tinykube-n1", "kernel.hostname", "x")
    with pytest.raises(ValueError):
        await netns.write_sysctl("tinykube-n1", "net..ipv4", "1")


def test_names_lists_only_the_prefix(tmp_path, monkeypatch):
    monkeypatch.setattr(netns, "NETNS_DIR", str(tmp_path))
    for n in ("tinykube-a", "tinykube-pod-b", "other"):
        (tmp_path / n).touch()
    assert netns.names() == ["tinykube-a", "tinykube-pod-b"]
    assert netns.names("tinykube-pod-") == ["tinykube-pod-b"]
    monkeypatch.setattr(netns, "NETNS_DIR", str(tmp_path / "missing"))
    assert netns.names() == []
