import socket
import threading

from tinykube.agent.standins.http import (
    HTTPD_PAGE,
    NGINX_PAGE,
    Site,
    access_line,
    listen,
    parse_args,
    parse_head,
    respond,
    serve,
    take,
)

SITE = Site("nginx", "web-0")


def req(text: str):
    r = parse_head(text.encode())
    assert r is not None
    return r


def test_the_welcome_page_is_nginx_1_14s_612_bytes():
    assert len(NGINX_PAGE) == 612


def test_get_root_answers_the_page_with_the_pod_name():
    code, data, size = respond(req("GET / HTTP/1.1\r\nHost: x"), SITE, 0)
    head, body = data.split(b"\r\n\r\n", 1)
    assert code == 200 and body == NGINX_PAGE and size == 612
    assert b"X-Pod-Name: web-0" in head and b"Content-Length: 612" in head
    assert b"Connection: keep-alive" in head


def test_head_404_405_and_connection_close():
    code, data, size = respond(req("HEAD /index.html HTTP/1.1"), SITE, 0)
    assert code == 200 and data.endswith(b"\r\n\r\n") and size == 0
    code, data, _ = respond(req("GET /nope HTTP/1.0"), SITE, 0)
    assert code == 404 and b"<h1>404 Not Found</h1>" in data and b"Connection: close" in data
    code, _, _ = respond(req("POST / HTTP/1.1"), SITE, 0)
    assert code == 405


def test_httpd_flavour():
    _, data, _ = respond(req("GET / HTTP/1.1"), Site("httpd", "p"), 0)
    assert data.endswith(HTTPD_PAGE)


def test_bad_requests_are_refused():
    assert parse_head(b"garbage") is None
    assert parse_head(b"GET / HTTP/1.1\r\nno-colon-here") is None


def test_access_log_line_is_combined_format():
    line = access_line("10.244.0.1", req("GET / HTTP/1.1\r\nUser-Agent: curl/8"), 200, 612, 0)
    assert line == ('10.244.0.1 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 612 '
                    '"-" "curl/8" "-"\n')


def test_args():
    assert parse_args(["--flavor", "httpd", "--port", "80", "--port", "8080"]) == (
        "httpd", [80, 8080])
    assert parse_args([]) == ("nginx", [80])


def test_take_splits_pipelined_requests_and_keeps_the_rest():
    reqs, rest, broken = take(b"GET / HTTP/1.1\r\n\r\nPOST /x HTTP/1.1\r\n"
                              b"Content-Length: 3\r\n\r\nabcGET /")
    assert [r.method for r in reqs] == ["GET", "POST"] and rest == b"GET /" and not broken
    assert take(b"GET / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab") == ([], b"GET / HTTP/1.1"
                                                                      b"\r\nContent-Length: 9"
                                                                      b"\r\n\r\nab", False)
    assert take(b"nonsense\r\n\r\n")[2]
    assert take(b"x" * 70000)[2]


def test_pipelined_keep_alive_requests_on_a_loopback_server(capsys):
    listener = listen(0)
    port = listener.getsockname()[1]
    stop = [False]
    t = threading.Thread(target=serve, args=(SITE, [listener]), kwargs={"stop": stop})
    t.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while chunk := c.recv(65536):
                data += chunk
    finally:
        stop[0] = True
        t.join()
        listener.close()
    assert data.count(b"HTTP/1.1 200 OK") == 1 and data.count(b"HTTP/1.1 404 Not Found") == 1
    assert capsys.readouterr().out.count('"GET ') == 2
