import json

from tinykube.agent import channels
from tinykube.wire.channels import ERROR, STDERR, STDOUT


def test_streams_from_the_query():
    st = channels.streams({"stdin": ["true"], "stdout": ["true"], "tty": ["true"]})
    assert st == channels.Streams(stdin=True, stdout=True, stderr=False, tty=True)
    assert st.first == STDOUT
    plain = channels.streams({})
    assert plain.stdout and plain.stderr and not plain.stdin and not plain.tty
    assert channels.streams({"stdout": ["false"], "stderr": ["false"]}).first == ERROR
    assert channels.streams({"stdout": ["false"]}).first == STDERR


def test_resize():
    assert channels.resize(b'{"Width":120,"Height":40}') == (120, 40)


def test_exit_statuses_as_kubectl_reads_them():
    assert channels.exit_status(0, ["true"]) == {"metadata": {}, "status": "Success"}
    failed = channels.exit_status(3, ["sh", "-c", "exit 3"])
    assert failed["reason"] == "NonZeroExitCode"
    assert failed["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    frame = channels.status_frame(failed)
    assert frame[0] == ERROR and json.loads(frame[1:]) == failed
