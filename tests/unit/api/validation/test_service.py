"""Service validation: every field-level rule of service-semantics.md §1, exact texts."""

# ruff: noqa: E501  (the expected texts are Kubernetes' messages, kept whole to be greppable)

from __future__ import annotations

import copy

import pytest

from tinykube.api import validation
from tinykube.errors import invalid

from .helpers import allocated, problems, service

DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def test_a_defaulted_service_is_valid_before_and_after_allocation() -> None:
    svc = service()
    assert problems(svc) == []
    assert problems(allocated(svc)) == []


def test_the_seed_services_are_valid() -> None:
    headless = service({"clusterIP": "None", "ports": [{"port": 80, "name": "web"}]})
    node_port = service({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]})
    external = service(
        {
            "type": "ExternalName",
            "externalName": "nginx-svc.qa.svc.cluster.local",
            "ports": [{"port": 80, "targetPort": 80, "nodePort": 30080}],
        }
    )
    lb = service({"type": "LoadBalancer", "externalTrafficPolicy": "Local"})
    for svc in (headless, node_port, lb):
        assert problems(svc) == []
    # ExternalName keeps its ports (and even a nodePort) without complaint.
    assert problems(external) == []


# --------------------------------------------------------------------------- 1.13 name


def test_1_13_name_must_be_a_dns1035_label() -> None:
    assert problems(service(name="1abc")) == [f'metadata.name: Invalid value: "1abc": {DNS1035}']
    long = "a" * 64
    assert problems(service(name=long)) == [
        f'metadata.name: Invalid value: "{long}": must be no more than 63 characters'
    ]
    assert problems(service(name="my.svc"))[0].startswith('metadata.name: Invalid value: "my.svc"')


def test_1_13_the_422_message_has_kubernetes_shape() -> None:
    causes = validation.validate(service(name="1abc"))
    err = invalid("Service", "1abc", causes)
    assert err.code == 422
    assert (
        err.message == f'Service "1abc" is invalid: metadata.name: Invalid value: "1abc": {DNS1035}'
    )
    assert err.details()["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "field": "metadata.name",
            "message": f'Invalid value: "1abc": {DNS1035}',
        }
    ]


def test_name_and_namespace_are_required() -> None:
    svc = service()
    svc["metadata"] = {}
    assert problems(svc) == [
        "metadata.name: Required value: name or generateName is required",
        "metadata.namespace: Required value",
    ]


def test_generate_name_prefix_is_validated_and_stands_in_for_the_name() -> None:
    svc = service()
    svc["metadata"] = {"generateName": "web-", "namespace": "default"}
    assert problems(svc) == []
    svc["metadata"]["generateName"] = "Web-"
    assert problems(svc) == [f'metadata.generateName: Invalid value: "Web-": {DNS1035}']


# --------------------------------------------------------------------------- 1.14-1.21 ports


def test_1_14_ports_are_required_unless_headless_or_external_name() -> None:
    assert problems(service({"ports": []})) == ["spec.ports: Required value"]
    assert problems(service({"ports": [], "clusterIP": "None"})) == []
    assert problems(service({"ports": [], "type": "ExternalName", "externalName": "a.b"})) == []


def test_1_15_every_port_needs_a_name_when_there_are_several() -> None:
    svc = service({"ports": [{"port": 80}, {"port": 443}]})
    assert problems(svc) == [
        "spec.ports[0].name: Required value",
        "spec.ports[1].name: Required value",
    ]
    assert (
        problems(service({"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}))
        == []
    )


def test_1_16_port_names_are_dns_labels_and_unique() -> None:
    svc = service({"ports": [{"port": 80, "name": "http"}, {"port": 81, "name": "http"}]})
    assert problems(svc) == ['spec.ports[1].name: Duplicate value: "http"']
    svc = service({"ports": [{"port": 80, "name": "Http"}]})
    assert problems(svc) == [f'spec.ports[0].name: Invalid value: "Http": {LABEL}']
    svc = service({"ports": [{"port": 80, "name": "8080"}]})  # may start with a digit
    assert problems(svc) == []
    svc = service({"ports": [{"port": 80, "name": "a.b"}]})
    assert problems(svc) == ['spec.ports[0].name: Invalid value: "a.b": must not contain dots']


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_1_17_port_range(port: int) -> None:
    svc = service({"ports": [{"port": port, "targetPort": 80}]})
    assert problems(svc) == [
        f"spec.ports[0].port: Invalid value: {port}: must be between 1 and 65535, inclusive"
    ]


def test_1_17_missing_port_reports_zero() -> None:
    svc = service({"ports": [{"name": "x"}]})
    assert problems(svc) == [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]


def test_1_18_protocol() -> None:
    svc = service({"ports": [{"port": 80, "protocol": "X"}]})
    assert problems(svc) == [
        'spec.ports[0].protocol: Unsupported value: "X": supported values: "SCTP", "TCP", "UDP"'
    ]
    assert problems(service({"ports": [{"port": 80, "protocol": "SCTP"}]})) == []


def test_1_19_protocol_and_port_pairs_are_unique() -> None:
    svc = service(
        {
            "ports": [
                {"name": "a", "port": 53},
                {"name": "b", "port": 53},
                {"name": "c", "port": 53, "protocol": "UDP"},
            ]
        }
    )
    assert problems(svc) == [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", '
        "AppProtocol:(*string)(nil), Port:53, TargetPort:intstr.IntOrString{Type:0, IntVal:0, "
        'StrVal:""}, NodePort:0}'
    ]
    dns = service(
        {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53}]}
    )
    assert problems(dns) == []


@pytest.mark.parametrize(
    ("target", "messages"),
    [
        (70000, ["must be between 1 and 65535, inclusive"]),
        ("http-alt", []),
        ("a-very-long-port-name", ["must be no more than 15 characters"]),
        (
            "HTTP",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
        ),
        ("8080", ["must contain at least one letter (a-z)"]),
        ("a--b", ["must not contain consecutive hyphens"]),
        ("-ab", ["must not begin or end with a hyphen"]),
    ],
)
def test_1_20_target_port_number_or_iana_name(target: int | str, messages: list[str]) -> None:
    svc = service({"ports": [{"port": 80, "targetPort": target}]})
    shown = f'"{target}"' if isinstance(target, str) else str(target)
    assert problems(svc) == [
        f"spec.ports[0].targetPort: Invalid value: {shown}: {m}" for m in messages
    ]


def test_1_21_app_protocol_is_a_qualified_name() -> None:
    assert problems(service({"ports": [{"port": 80, "appProtocol": "kubernetes.io/h2c"}]})) == []
    bad = problems(service({"ports": [{"port": 80, "appProtocol": "-h2c"}]}))
    assert len(bad) == 1
    assert bad[0].startswith(
        'spec.ports[0].appProtocol: Invalid value: "-h2c": name part must consist of'
    )


# --------------------------------------------------------------------------- 1.22-1.24 types


def test_1_22_node_port_on_cluster_ip_is_forbidden() -> None:
    svc = service({"ports": [{"port": 80, "nodePort": 30080}]})
    assert problems(svc) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    ]


def test_1_23_node_ports_are_unique_per_protocol() -> None:
    svc = service(
        {
            "type": "NodePort",
            "ports": [
                {"name": "a", "port": 80, "nodePort": 30080},
                {"name": "b", "port": 81, "nodePort": 30080},
                {"name": "c", "port": 82, "nodePort": 30080, "protocol": "UDP"},
            ],
        }
    )
    assert problems(svc) == ["spec.ports[1].nodePort: Duplicate value: 30080"]


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_1_24_none_is_not_a_cluster_ip_for_node_port_or_load_balancer(kind: str) -> None:
    svc = service({"type": kind, "clusterIP": "None"})
    assert problems(svc) == [
        f"spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for {kind} services"
    ]


# --------------------------------------------------------------------------- 1.25 ExternalName


def test_1_25_external_name_is_required() -> None:
    assert problems(service({"type": "ExternalName"})) == ["spec.externalName: Required value"]
    assert problems(service({"type": "ExternalName", "externalName": "."})) == [
        "spec.externalName: Required value"
    ]


def test_1_25_external_name_is_a_lowercase_subdomain_with_an_optional_trailing_dot() -> None:
    assert problems(service({"type": "ExternalName", "externalName": "example.com."})) == []
    assert problems(service({"type": "ExternalName", "externalName": "Example.com"})) == [
        f'spec.externalName: Invalid value: "Example.com": {SUBDOMAIN}'
    ]
    long = ".".join(["a" * 63] * 4)
    assert problems(service({"type": "ExternalName", "externalName": long})) == [
        f'spec.externalName: Invalid value: "{long}": must be no more than 253 characters'
    ]


def test_1_25_external_name_forbids_ip_fields() -> None:
    svc = service(
        {
            "type": "ExternalName",
            "externalName": "example.com",
            "clusterIP": "10.96.0.5",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
        }
    )
    assert problems(svc) == [
        "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
        "spec.ipFamilies: Forbidden: may not be set for ExternalName services",
        "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
    ]


# --------------------------------------------------------------------------- 1.26-1.28


def test_1_26_selector_keys_and_values() -> None:
    svc = service({"selector": {"app": "web", "bad key": "x", "tier": "-x"}})
    out = problems(svc)
    assert len(out) == 2
    assert out[0].startswith('spec.selector: Invalid value: "bad key": name part must consist of')
    assert out[1].startswith(
        'spec.selector: Invalid value: "-x": a valid label must be an empty string'
    )


def test_1_27_session_affinity() -> None:
    svc = service({"sessionAffinity": "Sticky"})
    assert problems(svc) == [
        'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'
    ]
    for timeout, ok in ((0, False), (1, True), (86400, True), (86401, False)):
        svc = service(
            {
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": timeout}},
            }
        )
        expected = (
            []
            if ok
            else [
                "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: "
                f"{timeout}: must be greater than 0 and less than 86400"
            ]
        )
        assert problems(svc) == expected


def test_1_27_affinity_config_rules_without_defaulting() -> None:
    svc = service()
    svc["spec"]["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 5}}
    assert problems(svc) == [
        "spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"
    ]
    svc["spec"]["sessionAffinity"] = "ClientIP"
    svc["spec"]["sessionAffinityConfig"] = {"clientIP": {}}
    assert problems(svc) == [
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Required value: when session affinity type is ClientIP"
    ]


def test_1_28_type() -> None:
    svc = service({"type": "X"})
    assert (
        'spec.type: Unsupported value: "X": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
        in problems(svc)
    )


# --------------------------------------------------------------------------- 1.29 externalIPs


@pytest.mark.parametrize(
    ("ip", "message"),
    [
        ("1.2.3", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
        ("127.0.0.1", "may not be in the loopback range (127.0.0.0/8, ::1/128)"),
        ("::1", "may not be in the loopback range (127.0.0.0/8, ::1/128)"),
        ("0.0.0.0", "may not be unspecified (0.0.0.0)"),
        ("169.254.1.1", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"),
        ("fe80::1", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"),
        ("224.0.0.5", "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"),
    ],
)
def test_1_29_external_ips_are_valid_and_not_special(ip: str, message: str) -> None:
    svc = service({"externalIPs": ["192.0.2.10", ip]})
    assert problems(svc) == [f'spec.externalIPs[1]: Invalid value: "{ip}": {message}']


def test_1_29_external_ips_warning() -> None:
    assert validation.warnings(service({"externalIPs": ["192.0.2.10"]})) == [
        "spec.externalIPs is deprecated and may no longer be implemented in some clusters"
    ]


# --------------------------------------------------------------------------- 1.30-1.33


def test_1_30_external_traffic_policy_only_for_externally_accessible() -> None:
    svc = service({"externalTrafficPolicy": "Local"})
    assert problems(svc) == [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'
    ]
    svc = service({"type": "NodePort", "externalTrafficPolicy": "Global"})
    assert problems(svc) == [
        'spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"'
    ]
    assert problems(service({"externalIPs": ["192.0.2.1"], "externalTrafficPolicy": "Local"})) == []


def test_1_31_health_check_node_port_only_for_load_balancer_local() -> None:
    detail = "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
    svc = service({"type": "NodePort", "healthCheckNodePort": 30111})
    assert problems(svc) == [f"spec.healthCheckNodePort: Invalid value: 30111: {detail}"]
    svc = service({"type": "LoadBalancer", "healthCheckNodePort": 30111})
    assert problems(svc) == [f"spec.healthCheckNodePort: Invalid value: 30111: {detail}"]
    ok = service(
        {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 30111}
    )
    assert problems(ok) == []
    # Not chosen yet: the allocator fills it in after validation.
    assert problems(service({"type": "LoadBalancer", "externalTrafficPolicy": "Local"})) == []
    bad = service(
        {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 70000}
    )
    assert problems(bad) == [
        "spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"
    ]


def test_1_32_internal_traffic_policy() -> None:
    assert problems(service({"internalTrafficPolicy": "Local"})) == []
    assert problems(service({"internalTrafficPolicy": "Node"})) == [
        'spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'
    ]
    svc = service()
    del svc["spec"]["internalTrafficPolicy"]
    assert problems(svc) == ["spec.internalTrafficPolicy: Required value"]


def test_1_33_load_balancer_only_fields() -> None:
    only_lb = "may only be used when `type` is 'LoadBalancer'"
    svc = service(
        {
            "allocateLoadBalancerNodePorts": True,
            "loadBalancerSourceRanges": ["10.0.0.0/8"],
            "loadBalancerClass": "example.com/lb",
        }
    )
    assert problems(svc) == [
        f"spec.LoadBalancerSourceRanges: Forbidden: {only_lb}",
        f"spec.allocateLoadBalancerNodePorts: Forbidden: {only_lb}",
        f"spec.loadBalancerClass: Forbidden: {only_lb}",
    ]
    annotated = service(
        {}, annotations={"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8"}
    )
    assert problems(annotated) == [
        "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: "
        f"Forbidden: {only_lb}"
    ]
    lb = service(
        {
            "type": "LoadBalancer",
            "loadBalancerSourceRanges": [" 10.0.0.0/8", "10.1.0.0/33"],
            "loadBalancerClass": "example.com/lb",
        }
    )
    assert problems(lb) == [
        'spec.LoadBalancerSourceRanges[1]: Invalid value: "10.1.0.0/33": must be a valid CIDR value, '
        "(e.g. 10.9.8.0/24 or 2001:db8::/64)"
    ]


def test_load_balancer_without_allocate_node_ports_uses_kubernetes_path() -> None:
    svc = service({"type": "LoadBalancer"})
    del svc["spec"]["allocateLoadBalancerNodePorts"]
    assert problems(svc) == ["allocateLoadBalancerNodePorts: Required value"]


# --------------------------------------------------------------------------- 1.34 clusterIPs


def test_1_34_cluster_ips_rules() -> None:
    def with_ips(ips: list[str], **spec: object) -> list[str]:
        return problems(service({"clusterIPs": ips, **spec}))

    assert with_ips(["10.96.0.5"]) == []
    assert with_ips(["10.96.0.5", "fd00::5"]) == []
    three = '[]string{"10.96.0.5", "fd00::5", "10.96.0.6"}'
    assert with_ips(["10.96.0.5", "fd00::5", "10.96.0.6"]) == [
        f"spec.clusterIPs: Invalid value: {three}: may only hold up to 2 values",
        f"spec.clusterIPs: Invalid value: {three}: may specify no more than one IP for each IP family",
    ]
    assert with_ips(["None", "10.96.0.5"]) == [
        'spec.clusterIPs: Invalid value: []string{"None", "10.96.0.5"}: \'None\' must be the first and only value'
    ]
    assert with_ips(["10.96.0.5", "10.96.0.6"]) == [
        'spec.clusterIPs: Invalid value: []string{"10.96.0.5", "10.96.0.6"}: may specify no more than one IP for each IP family'
    ]
    assert with_ips(["10.96.0.6"], clusterIP="10.96.0.5") == [
        'spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`'
    ]
    assert with_ips(["10.96.0.300"]) == [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
    ]


def test_1_34_cluster_ip_alone_is_synced_into_cluster_ips() -> None:
    assert problems(service({"clusterIP": "10.96.0.5"})) == []
    assert problems(service({"clusterIP": "not-an-ip"})) == [
        'spec.clusterIPs[0]: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
    ]


def test_ip_families_and_policy_values() -> None:
    svc = service({"ipFamilies": ["IPv4", "IPv4", "IPv5"], "ipFamilyPolicy": "Both"})
    assert problems(svc) == [
        'spec.ipFamilies[1]: Duplicate value: "IPv4"',
        'spec.ipFamilies[2]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
        'spec.ipFamilyPolicy: Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
    ]
    mismatch = service({"clusterIP": "10.96.0.5", "ipFamilies": ["IPv6"]})
    assert problems(mismatch) == [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.5": expected an IPv6 value as indicated by `ipFamilies[0]`'
    ]


def test_traffic_distribution_and_topology_annotations() -> None:
    assert problems(service({"trafficDistribution": "PreferSameZone"})) == []
    assert problems(service({"trafficDistribution": "Nearby"})) == [
        'spec.trafficDistribution: Unsupported value: "Nearby": supported values: "PreferClose", "PreferSameNode", "PreferSameZone"'
    ]
    svc = service(
        {},
        annotations={
            "service.kubernetes.io/topology-aware-hints": "Auto",
            "service.kubernetes.io/topology-mode": "Disabled",
        },
    )
    assert problems(svc) == [
        'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Disabled": '
        "must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"
    ]


def test_every_problem_is_reported_at_once() -> None:
    svc = service(
        {
            "type": "NodePort",
            "sessionAffinity": "X",
            "ports": [{"port": 0, "protocol": "Y", "name": "A"}],
        },
        name="Bad",
    )
    fields = [p.split(":")[0] for p in problems(svc)]
    assert fields == [
        "metadata.name",
        "spec.ports[0].name",
        "spec.ports[0].port",
        "spec.ports[0].protocol",
        "spec.ports[0].targetPort",
        "spec.sessionAffinity",
    ]


# --------------------------------------------------------------------------- 1.36 warnings


def test_1_36_warnings() -> None:
    headless = service(
        {
            "clusterIP": "None",
            "loadBalancerIP": "192.0.2.1",
            "externalIPs": ["192.0.2.2"],
            "sessionAffinity": "ClientIP",
        }
    )
    assert validation.warnings(headless) == [
        "spec.loadBalancerIP is ignored for headless services",
        "spec.externalIPs is ignored for headless services",
        "spec.SessionAffinity is ignored for headless services",
    ]
    assert validation.warnings(service({"externalName": "example.com"})) == [
        'spec.externalName is ignored when spec.type is not "ExternalName"'
    ]
    assert validation.warnings(
        service(
            {"type": "ExternalName", "externalName": "example.com", "externalIPs": ["192.0.2.2"]}
        )
    ) == ['spec.externalIPs is ignored when spec.type is "ExternalName"']
    assert validation.warnings(service()) == []
    only_plural = service({"clusterIPs": ["None"], "sessionAffinity": "ClientIP"})
    assert validation.warnings(only_plural) == [
        "spec.SessionAffinity is ignored for headless services"
    ]


def test_warnings_for_non_standard_addresses() -> None:
    out = validation.warnings(
        service({"clusterIP": "010.096.000.010", "externalIPs": ["2001:DB8::1"]})
    )
    assert out == [
        'spec.clusterIPs[0]: non-standard IP address "010.096.000.010" will be considered invalid in a future Kubernetes release: use "10.96.0.10"',
        'spec.externalIPs[0]: IPv6 address "2001:DB8::1" should be in RFC 5952 canonical format ("2001:db8::1")',
        "spec.externalIPs is deprecated and may no longer be implemented in some clusters",
    ]
    lb = service({"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.1/8"]})
    assert validation.warnings(lb) == [
        'spec.loadBalancerSourceRanges[0]: CIDR value "10.0.0.1/8" is ambiguous in this context (should be "10.0.0.0/8" or "10.0.0.1/32"?)'
    ]
    assert validation.warnings(service({"trafficDistribution": "PreferClose"})) == [
        'spec.trafficDistribution: "PreferClose" is deprecated; use "PreferSameZone"'
    ]


# --------------------------------------------------------------------------- 1.37-1.39 update


def _update(old: dict, **spec: object) -> list[str]:  # type: ignore[type-arg]
    new = copy.deepcopy(old)
    new["spec"].update(spec)
    return problems(new, old)


def test_1_37_primary_cluster_ip_is_immutable() -> None:
    old = allocated(service())
    assert _update(old) == []
    assert _update(old, clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"]) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    ]
    # Changing only clusterIP (an old client) is read as changing both.
    assert _update(old, clusterIP="10.96.0.11") == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    ]


def test_1_37_primary_cluster_ip_can_not_be_unset() -> None:
    old = allocated(service())
    assert _update(old, clusterIP="", clusterIPs=[]) == [
        "spec.clusterIPs[0]: Invalid value: []string{}: primary clusterIP can not be unset"
    ]


def test_1_37_releasing_the_secondary_ip_needs_single_stack() -> None:
    old = allocated(
        service(
            {
                "clusterIPs": ["10.96.0.5", "fd00::5"],
                "ipFamilies": ["IPv4", "IPv6"],
                "ipFamilyPolicy": "PreferDualStack",
            }
        )
    )
    old["spec"]["clusterIP"] = "10.96.0.5"
    out = _update(old, clusterIPs=["10.96.0.5"], ipFamilies=["IPv4"])
    assert out == [
        "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be set to 'SingleStack' when releasing the secondary clusterIP",
        "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be set to 'SingleStack' when releasing the secondary ipFamily",
    ]
    assert (
        _update(old, clusterIPs=["10.96.0.5"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack")
        == []
    )


def test_1_37_headless_and_cluster_ip_do_not_convert() -> None:
    headless = allocated(service({"clusterIP": "None"}))
    assert _update(headless, clusterIP="10.96.0.9", clusterIPs=["10.96.0.9"]) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.9"}: may not change once set'
    ]
    normal = allocated(service())
    assert _update(normal, clusterIP="None", clusterIPs=["None"]) == [
        'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set'
    ]


def test_1_37_external_name_transitions_are_free() -> None:
    old = allocated(service())
    new = copy.deepcopy(old)
    new["spec"] = {"type": "ExternalName", "externalName": "example.com", "sessionAffinity": "None"}
    assert problems(new, old) == []


def test_1_39_load_balancer_class_and_health_check_port_are_immutable() -> None:
    old = allocated(service({"type": "LoadBalancer", "loadBalancerClass": "a.io/lb"}))
    assert _update(old, loadBalancerClass="b.io/lb") == [
        'spec.loadBalancerClass: Invalid value: "b.io/lb": may not change once set'
    ]
    old = allocated(
        service(
            {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 30100}
        )
    )
    assert _update(old, healthCheckNodePort=30101) == [
        "spec.healthCheckNodePort: Forbidden: field is immutable"
    ]
    assert _update(old, externalTrafficPolicy="Cluster", healthCheckNodePort=0) == []


def test_update_metadata_rules() -> None:
    old = allocated(service())
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "other"
    new["metadata"]["uid"] = "u-2"
    assert problems(new, old)[:2] == [
        'metadata.name: Invalid value: "other": field is immutable',
        'metadata.uid: Invalid value: "u-2": field is immutable',
    ]
