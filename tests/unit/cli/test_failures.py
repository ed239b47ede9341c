from __future__ import annotations

from tinykube.cli import failures
from tinykube.errors import (
    AlreadyExists,
    Cause,
    ClusterNotRunning,
    ConfigError,
    NotFound,
    Unauthorized,
    invalid,
)


def test_api_errors_read_like_kubectl() -> None:
    assert failures.describe(NotFound('services "x" not found')) == \
        'Error from server (NotFound): services "x" not found'
    assert failures.describe(Unauthorized("Unauthorized")) == \
        "error: You must be logged in to the server (Unauthorized)"


def test_one_cause_is_inline() -> None:
    err = invalid("Service", "x", [Cause("FieldValueRequired", "spec.ports[1].name",
                                         "Required value")])
    assert failures.describe(err) == \
        'The Service "x" is invalid: spec.ports[1].name: Required value'


def test_several_causes_are_listed() -> None:
    err = invalid("Service", "bad-svc", [
        Cause("FieldValueInvalid", "spec.ports[0].port",
              "Invalid value: 0: must be between 1 and 65535, inclusive"),
        Cause("FieldValueNotSupported", "spec.ports[1].protocol",
              'Unsupported value: "HTTP"'),
    ])
    assert failures.describe(err) == (
        'The Service "bad-svc" is invalid: \n'
        "* spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n"
        '* spec.ports[1].protocol: Unsupported value: "HTTP"')


def test_errors_about_a_file_name_it() -> None:
    err = failures.with_source(AlreadyExists('services "web" already exists'), "creating",
                               "svc.yaml")
    assert failures.describe(err) == \
        'Error from server (AlreadyExists): error when creating "svc.yaml": services "web" ' \
        "already exists"
    bad = invalid("Service", "x", [Cause("FieldValueRequired", "spec.ports", "Required value")])
    assert failures.describe(failures.with_source(bad, "creating", "svc.yaml")).startswith(
        'The Service "x" is invalid')


def test_other_errors_and_a_cluster_that_is_not_running() -> None:
    assert failures.describe(ConfigError("bad flag")) == "error: bad flag"
    err = failures.not_running("https://127.0.0.1:6443")
    assert isinstance(err, ClusterNotRunning)
    assert failures.describe(err) == (
        "error: the tinykube cluster at https://127.0.0.1:6443 is not running: "
        "start one with `tinykube up -d`")
