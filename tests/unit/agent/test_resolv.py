from tinykube.agent.resolv import ResolvConf, for_pod, merge_options, parse, policy

NODE = ResolvConf(("10.255.255.53",), ("corp.example",), ("edns0",))
DNS = ("10.96.0.10",)


def pod(ns: str = "default", **spec: object) -> dict:
    return {"metadata": {"name": "p", "namespace": ns}, "spec": dict(spec)}


def conf(p: dict, node: ResolvConf = NODE) -> ResolvConf:
    return for_pod(p, cluster_dns=DNS, domain="cluster.local", node=node)


def test_cluster_first_is_the_default_and_renders_like_containerd():
    text = conf(pod("web"), ResolvConf(("8.8.8.8",))).render()
    assert text == ("search web.svc.cluster.local svc.cluster.local cluster.local\n"
                    "nameserver 10.96.0.10\n"
                    "options ndots:5\n")


def test_cluster_first_appends_node_searches_and_replaces_node_options():
    c = conf(pod(dnsPolicy="ClusterFirst"))
    assert c.nameservers == DNS
    assert c.searches == ("default.svc.cluster.local", "svc.cluster.local", "cluster.local",
                          "corp.example")
    assert c.options == ("ndots:5",)


def test_host_network_falls_back_to_default_unless_with_host_net():
    assert policy(pod(hostNetwork=True)) == "Default"
    assert conf(pod(hostNetwork=True)) == NODE
    assert conf(pod(hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet")).nameservers == DNS


def test_default_policy_is_the_node_file():
    assert conf(pod(dnsPolicy="Default")) == NODE


def test_none_with_dns_config_is_the_documented_example():
    p = pod("ns1", dnsPolicy="None", dnsConfig={
        "nameservers": ["192.0.2.1"],
        "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
        "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]})
    assert conf(p).render() == ("search ns1.svc.cluster-domain.example my.dns.search.suffix\n"
                                "nameserver 192.0.2.1\n"
                                "options ndots:2 edns0\n")


def test_dns_config_merges_without_duplicates_and_pod_options_win():
    p = pod(dnsConfig={"nameservers": ["10.96.0.10", "1.1.1.1"],
                       "searches": ["svc.cluster.local", "extra.local"],
                       "options": [{"name": "ndots", "value": "1"}, {"name": "timeout",
                                                                      "value": "2"}]})
    c = conf(p)
    assert c.nameservers == ("10.96.0.10", "1.1.1.1")
    assert c.searches[-1] == "extra.local" and c.searches.count("svc.cluster.local") == 1
    assert c.options == ("ndots:1", "timeout:2")


def test_limits_three_nameservers_and_32_searches():
    p = pod(dnsPolicy="None", dnsConfig={"nameservers": [f"10.0.0.{i}" for i in range(5)],
                                          "searches": [f"s{i}.example" for i in range(40)]})
    c = conf(p)
    assert len(c.nameservers) == 3
    assert len(c.searches) == 32


def test_search_list_is_cut_at_2048_characters():
    long = ["x" * 250 + f".{i}" for i in range(20)]
    c = conf(pod(dnsPolicy="None", dnsConfig={"searches": long}))
    assert len(" ".join(c.searches)) <= 2048
    assert len(c.searches) < 20


def test_no_cluster_dns_falls_back_to_the_node():
    assert for_pod(pod(), cluster_dns=(), domain="cluster.local", node=NODE) == NODE


def test_parse_reads_nameservers_last_search_and_options_ignoring_comments():
    text = ("# generated\nnameserver 1.1.1.1\nsearch a.example.\nsearch b.example . c\n"
            "options ndots:2 rotate ; comment\nnameserver 9.9.9.9 # x\n")
    assert parse(text) == ResolvConf(("1.1.1.1", "9.9.9.9"), ("b.example", "c"),
                                     ("ndots:2", "rotate"))


def test_merge_options_keeps_flags_without_values():
    assert merge_options(("ndots:5", "edns0"), [{"name": "single-request"}]) == (
        "ndots:5", "edns0", "single-request")
