import copy

import pytest

from tinykube.apiserver.allocation.families import init_ip_family_fields
from tinykube.errors import Invalid

from .helpers import service


def fields(svc: dict) -> tuple:
    return svc["spec"].get("ipFamilyPolicy"), svc["spec"].get("ipFamilies")


def test_create_defaults() -> None:
    svc = service()
    init_ip_family_fields(svc, None, "IPv4")
    assert fields(svc) == ("SingleStack", ["IPv4"])


def test_external_name_untouched() -> None:
    svc = service(type_="ExternalName", externalName="x.example.com")
    init_ip_family_fields(svc, None, "IPv4")
    assert fields(svc) == (None, None)


def test_family_inferred_from_the_requested_ip() -> None:
    svc = service(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])
    init_ip_family_fields(svc, None, "IPv4")
    assert fields(svc) == ("SingleStack", ["IPv4"])


def test_ipv6_cluster() -> None:
    svc = service()
    init_ip_family_fields(svc, None, "IPv6")
    assert fields(svc) == ("SingleStack", ["IPv6"])


def test_single_stack_with_two_values_is_422() -> None:
    svc = service(ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"])
    with pytest.raises(Invalid) as e:
        init_ip_family_fields(svc, None, "IPv4")
    assert [(c.field, c.message) for c in e.value.causes] == [(
        "spec.ipFamilyPolicy",
        'Invalid value: "SingleStack": must be \'RequireDualStack\' or \'PreferDualStack\' '
        "when multiple IP families are specified",
    )]


def test_update_to_single_stack_trims_unchanged_secondary_values() -> None:
    old = service(clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "fd00::5"],
                  ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy="PreferDualStack")
    new = copy.deepcopy(old)
    new["spec"]["ipFamilyPolicy"] = "SingleStack"
    init_ip_family_fields(new, old, "IPv4")
    assert new["spec"]["clusterIPs"] == ["10.96.0.5"]
    assert fields(new) == ("SingleStack", ["IPv4"])


def test_update_dropping_secondary_without_single_stack_is_422() -> None:
    old = service(clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "fd00::5"],
                  ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy="RequireDualStack")
    new = copy.deepcopy(old)
    new["spec"]["clusterIPs"] = ["10.96.0.5"]
    new["spec"]["ipFamilies"] = ["IPv4"]
    with pytest.raises(Invalid) as e:
        init_ip_family_fields(new, old, "IPv4")
    assert [c.message for c in e.value.causes] == [
        'Invalid value: "RequireDualStack": must be \'SingleStack\' to release the secondary '
        "cluster IP",
        'Invalid value: "RequireDualStack": must be \'SingleStack\' to release the secondary '
        "IP family",
    ]


def test_unchanged_prefer_dual_stack_is_left_alone() -> None:
    old = service(clusterIP="10.96.0.5", clusterIPs=["10.96.0.5"], ipFamilies=["IPv4"],
                  ipFamilyPolicy="PreferDualStack")
    new = copy.deepcopy(old)
    init_ip_family_fields(new, old, "IPv4")
    assert new == old


def test_headless_selectorless_accepts_any_families() -> None:
    svc = service(clusterIP="None", clusterIPs=["None"], ipFamilies=["IPv6"])
    svc["spec"].pop("selector")
    init_ip_family_fields(svc, None, "IPv4")
    assert fields(svc) == ("RequireDualStack", ["IPv6"])
