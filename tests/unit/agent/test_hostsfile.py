from tinykube.agent import hostsfile


def pod(**spec: object) -> dict:
    return {"metadata": {"name": "web-0", "namespace": "default"}, "spec": dict(spec)}


def test_plain_pod_maps_its_ip_to_its_name():
    text = hostsfile.render(pod(), ["10.244.0.5"], "cluster.local")
    assert text.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert text.endswith("fe00::2\tip6-allrouters\n10.244.0.5\tweb-0\n")


def test_subdomain_puts_the_fqdn_first_so_hostname_f_prints_it():
    p = pod(hostname="web-0", subdomain="nginx")
    assert "10.244.0.5\tweb-0.nginx.default.svc.cluster.local\tweb-0\n" in hostsfile.render(
        p, ["10.244.0.5"], "cluster.local")
    assert hostsfile.fqdn(p, "cluster.local") == "web-0.nginx.default.svc.cluster.local"


def test_spec_hostname_wins_and_is_cut_to_63():
    assert hostsfile.hostname(pod(hostname="db")) == "db"
    long = {"metadata": {"name": "a" * 70}, "spec": {}}
    assert hostsfile.hostname(long) == "a" * 63


def test_host_network_pods_have_the_node_name():
    p = pod(hostNetwork=True, subdomain="x")
    assert hostsfile.hostname(p, "node-1") == "node-1"
    assert hostsfile.domain(p, "cluster.local") == ""


def test_host_aliases_follow_their_header():
    p = pod(hostAliases=[{"ip": "1.2.3.4", "hostnames": ["foo.local", "bar.local"]}])
    assert hostsfile.render(p, ["10.244.0.5"], "cluster.local").endswith(
        "\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo.local\tbar.local\n")
