from tinykube.agent import probes
from tinykube.agent.probes import ProbeState, first_delay, spec, specs


def test_specs_apply_defaults_and_find_the_handler():
    c = {"readinessProbe": {"httpGet": {"port": 80}},
         "livenessProbe": {"tcpSocket": {"port": 80}, "initialDelaySeconds": 5,
                           "periodSeconds": 2, "successThreshold": 3},
         "startupProbe": {"exec": {"command": ["true"]}, "terminationGracePeriodSeconds": 7}}
    s = specs(c)
    assert set(s) == {"readiness", "liveness", "startup"}
    assert s["readiness"].action == "httpGet" and s["readiness"].period == 10
    assert s["readiness"].timeout == 1 and s["readiness"].failure_threshold == 3
    assert s["liveness"].initial_delay == 5 and s["liveness"].success_threshold == 1
    assert s["startup"].termination_grace == 7 and s["startup"].action == "exec"


def test_readiness_starts_failed_and_flips_only_after_thresholds():
    st = ProbeState(spec("readiness", {"httpGet": {}, "successThreshold": 2,
                                       "failureThreshold": 3}))
    assert not st.success
    assert not st.record(True)        # one success of two
    assert st.record(True) and st.success
    assert not st.record(False)
    assert not st.record(False)
    assert st.record(False) and not st.success
    assert not st.failed              # readiness never asks for a restart


def test_a_broken_run_starts_counting_again():
    st = ProbeState(spec("readiness", {"httpGet": {}, "failureThreshold": 2}))
    st.record(True)
    st.record(False)
    st.record(True)
    assert not st.record(False)
    assert st.success


def test_liveness_starts_passing_and_fails_after_the_threshold():
    st = ProbeState(spec("liveness", {"tcpSocket": {}, "failureThreshold": 2}))
    assert st.success and not st.failed
    st.record(False)
    assert not st.failed
    assert st.record(False)
    assert st.failed


def test_startup_is_done_after_one_success_and_fails_after_the_threshold():
    ok = ProbeState(spec("startup", {"exec": {}, "failureThreshold": 30}))
    assert not ok.success and not ok.done
    ok.record(True)
    assert ok.done and ok.success
    bad = ProbeState(spec("startup", {"exec": {}, "failureThreshold": 1}))
    bad.record(False)
    assert bad.failed and not bad.done


def test_stand_ins_are_started_once_their_port_accepts():
    s = probes.serving(80)
    assert s.kind == "startup" and s.handler == {"tcpSocket": {"port": 80}}
    assert s.period < 1 and s.period * s.failure_threshold >= 30


def test_first_delay_counts_from_the_container_start():
    s = spec("liveness", {"initialDelaySeconds": 10})
    assert first_delay(s, 3) == 7
    assert first_delay(s, 30) == 0
