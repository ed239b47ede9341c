import pytest

from tinykube.api import kinds
from tinykube.client.stream import LineSplitter, decode_event
from tinykube.errors import BadRequest, Expired


def test_lines_split_across_chunks_are_reassembled():
    s = LineSplitter()
    assert s.feed(b'{"a":') == []
    assert s.feed(b'1}\n{"b"') == [b'{"a":1}']
    assert s.feed(b':2}\n\n{"c":3}\n') == [b'{"b":2}', b'{"c":3}']
    assert s.rest() == b""


def test_a_last_line_without_newline_is_kept():
    s = LineSplitter()
    s.feed(b'{"a":1}\n{"b":2}')
    assert s.rest() == b'{"b":2}'


def test_decode_fills_kind_and_api_version():
    ev = decode_event(b'{"type":"ADDED","object":{"metadata":{"name":"x"}}}', kinds.DEPLOYMENT)
    assert ev.type == "ADDED"
    assert ev.object["apiVersion"] == "apps/v1"
    assert ev.object["kind"] == "Deployment"


def test_bookmark_is_left_alone():
    ev = decode_event(b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}',
                      kinds.POD)
    assert ev.type == "BOOKMARK"
    assert "kind" not in ev.object


def test_error_410_raises_expired_and_other_errors_are_events():
    with pytest.raises(Expired) as e:
        decode_event(b'{"type":"ERROR","object":{"kind":"Status","code":410,'
                     b'"reason":"Expired","message":"too old resource version: 1 (5)"}}')
    assert "too old" in str(e.value)
    ev = decode_event(b'{"type":"ERROR","object":{"kind":"Status","code":500,'
                      b'"reason":"InternalError","message":"boom"}}')
    assert ev.type == "ERROR" and ev.object["code"] == 500


@pytest.mark.parametrize("line", [b"not json", b'{"type":"ADDED"}', b'{"type":"NOPE","object":{}}'])
def test_malformed_lines_are_bad_requests(line):
    with pytest.raises(BadRequest):
        decode_event(line)
