import pytest

from tinykube.agent.envvars import (
    PodRuntime,
    command_line,
    container_env,
    env_name,
    expand,
    mapping_for,
    quantity,
    service_variables,
    visible_services,
)
from tinykube.errors import ConfigError

RT = PodRuntime(pod_ips=("10.244.0.5",), host_ips=("172.18.0.2",),
                allocatable={"cpu": "2", "memory": "4Gi"})


def svc(name: str, ns: str = "default", ip: str = "10.96.0.11", ports=None) -> dict:
    return {"metadata": {"name": name, "namespace": ns},
            "spec": {"clusterIP": ip, "ports": ports or [{"port": 6379, "protocol": "TCP"}]}}


KUBERNETES = svc("kubernetes", ip="10.96.0.1",
                 ports=[{"name": "https", "port": 443, "protocol": "TCP"}])


def pod(ns: str = "default", links: bool | None = None, **extra: object) -> dict:
    spec: dict = {"nodeName": "node-1", "serviceAccountName": "sa"}
    if links is not None:
        spec["enableServiceLinks"] = links
    return {"metadata": {"name": "web-0", "namespace": ns, "uid": "u-1",
                         "labels": {"app": "web", "tier": "x"}}, "spec": spec, **extra}


def test_redis_master_example_from_the_docs():
    env = service_variables([svc("redis-master")])
    assert env == {
        "REDIS_MASTER_SERVICE_HOST": "10.96.0.11",
        "REDIS_MASTER_SERVICE_PORT": "6379",
        "REDIS_MASTER_PORT": "tcp://10.96.0.11:6379",
        "REDIS_MASTER_PORT_6379_TCP": "tcp://10.96.0.11:6379",
        "REDIS_MASTER_PORT_6379_TCP_PROTO": "tcp",
        "REDIS_MASTER_PORT_6379_TCP_PORT": "6379",
        "REDIS_MASTER_PORT_6379_TCP_ADDR": "10.96.0.11",
    }


def test_named_ports_and_udp_get_their_own_names():
    env = service_variables([svc("dns", ports=[{"name": "dns-udp", "port": 53, "protocol": "UDP"},
                                               {"name": "metrics", "port": 9153}])])
    assert env["DNS_SERVICE_PORT"] == "53"
    assert env["DNS_SERVICE_PORT_DNS_UDP"] == "53"
    assert env["DNS_SERVICE_PORT_METRICS"] == "9153"
    assert env["DNS_PORT"] == "udp://10.96.0.11:53"
    assert env["DNS_PORT_9153_TCP_ADDR"] == "10.96.0.11"


def test_env_names():
    assert env_name("my-svc.x") == "MY_SVC_X"
    assert env_name("1st") == "_1ST"


def test_only_same_namespace_services_with_cluster_ips_and_always_kubernetes():
    services = [KUBERNETES, svc("a", "web"), svc("b", "other"),
                svc("headless", "web", ip="None"), {"metadata": {"name": "ext", "namespace": "web"},
                                                     "spec": {"type": "ExternalName"}}]
    names = [s["metadata"]["name"] for s in visible_services(services, "web", True)]
    assert names == ["a", "kubernetes"]
    assert [s["metadata"]["name"] for s in visible_services(services, "web", False)] == [
        "kubernetes"]


def test_kubernetes_is_there_even_without_service_links():
    env = container_env(pod(links=False), {"name": "c"}, [KUBERNETES, svc("redis")], RT)
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"
    assert "REDIS_SERVICE_HOST" not in env


def test_declared_variables_override_service_ones_and_expand_in_order():
    c = {"name": "c", "env": [
        {"name": "REDIS_SERVICE_HOST", "value": "mine"},
        {"name": "A", "value": "x"},
        {"name": "B", "value": "$(A)-$(REDIS_SERVICE_PORT)-$(MISSING)-$$(A)"},
        {"name": "EMPTY"},
    ]}
    env = container_env(pod(), c, [svc("redis")], RT, hostname="web-0")
    assert env["REDIS_SERVICE_HOST"] == "mine"
    assert env["B"] == "x-6379-$(MISSING)-$(A)"
    assert env["EMPTY"] == ""
    assert env["HOSTNAME"] == "web-0" and env["PATH"].startswith("/usr/local/sbin")


def test_downward_api_field_refs():
    def ref(path: str) -> dict:
        return {"name": path, "valueFrom": {"fieldRef": {"fieldPath": path}}}
    paths = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
             "spec.serviceAccountName", "status.podIP", "status.hostIP", "status.podIPs",
             "metadata.labels['app']", "metadata.labels"]
    env = container_env(pod(), {"name": "c", "env": [ref(p) for p in paths]}, [], RT)
    assert [env[p] for p in paths] == ["web-0", "default", "u-1", "node-1", "sa", "10.244.0.5",
                                       "172.18.0.2", "10.244.0.5", "web",
                                       'app="web"\ntier="x"']


def test_resource_field_refs_use_limits_or_the_node_and_round_up():
    c = {"name": "c", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
         "env": [
             {"name": "CPU_REQ", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu"}}},
             {"name": "MEM_REQ", "valueFrom": {"resourceFieldRef": {
                 "resource": "requests.memory", "divisor": "1Mi"}}},
             {"name": "CPU_LIM", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
         ]}
    env = container_env(pod(), c, [], RT)
    assert (env["CPU_REQ"], env["MEM_REQ"], env["CPU_LIM"]) == ("1", "64", "2")


def test_config_maps_and_secrets_do_not_exist_here_unless_optional():
    optional = {"name": "c", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {
        "name": "cm", "key": "k", "optional": True}}}]}
    assert "X" not in container_env(pod(), optional, [], RT)
    needed = {"name": "c", "envFrom": [{"secretRef": {"name": "creds"}}]}
    with pytest.raises(ConfigError, match='secret "creds" not found'):
        container_env(pod(), needed, [], RT)


def test_expand_matches_kubernetes_edge_cases():
    m = mapping_for({"VAR": "v"})
    assert expand("$(VAR)", m) == "v"
    assert expand("$$(VAR)", m) == "$(VAR)"
    assert expand("$$$(VAR)", m) == "$v"
    assert expand("$(VAR", m) == "$(VAR"
    assert expand("$VAR", m) == "$VAR"
    assert expand("trailing $", m) == "trailing $"
    assert expand("$(UNSET)", m) == "$(UNSET)"


def test_command_line_follows_dockers_entrypoint_and_cmd_rules():
    env = {"PORT": "8080"}
    assert command_line({"command": ["srv"], "args": ["--port", "$(PORT)"]}, ["ep"], ["cmd"],
                        env) == ["srv", "--port", "8080"]
    assert command_line({"command": ["srv"]}, ["ep"], ["cmd"], env) == ["srv"]
    assert command_line({"args": ["x"]}, ["ep"], ["cmd"], env) == ["ep", "x"]
    assert command_line({}, ["ep"], ["cmd"], env) == ["ep", "cmd"]


def test_quantities():
    assert quantity("500m") * 2 == 1
    assert quantity("1Ki") == 1024
    assert quantity("1e3") == 1000
    with pytest.raises(ConfigError):
        quantity("12 apples")
