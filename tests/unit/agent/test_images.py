import pytest

from tinykube.agent.images import (
    ImageConfig,
    Unsupported,
    UserMapFile,
    basename,
    load_user_map,
    parse_user_map,
    repository,
    resolve,
)
from tinykube.errors import ConfigError

PY = "/usr/bin/python3"


def test_repository_names():
    assert repository("nginx") == "nginx"
    assert repository("nginx:1.14.2") == "nginx"
    assert repository("docker.io/library/nginx:latest") == "nginx"
    assert repository("localhost:5000/team/app:v1@sha256:abc") == "team/app"
    assert repository("techdozo/grpc-lb-server:1.0.0") == "techdozo/grpc-lb-server"
    assert basename("xianchao/dig:latest") == "dig"


def test_nginx_serves_port_80_and_declared_tcp_ports():
    c = {"name": "web", "image": "nginx:1.14.2",
         "ports": [{"containerPort": 8080}, {"containerPort": 80},
                   {"containerPort": 53, "protocol": "UDP"}]}
    cfg = resolve(c, python=PY)
    assert isinstance(cfg, ImageConfig)
    assert cfg.cmd[:3] == (PY, "-I", "-S") and cfg.cmd[3].endswith("standins/http.py")
    assert cfg.cmd[4:] == ("--flavor", "nginx", "--port", "80", "--port", "8080")
    assert cfg.serves == 80


def test_httpd_is_the_httpd_flavour():
    cfg = resolve({"image": "httpd:2.4"}, python=PY)
    assert isinstance(cfg, ImageConfig) and "httpd" in cfg.cmd


@pytest.mark.parametrize("image", ["busybox", "busybox:1.28.4", "tutum/dnsutils", "test/dig:latest",
                                   "xianchao/dig", "alpine:3.19"])
def test_tool_images_sleep_or_give_a_shell_to_stdin(image):
    assert resolve({"image": image}, python=PY) == ImageConfig(cmd=("sleep", "infinity"))
    assert resolve({"image": image, "stdin": True}, python=PY) == ImageConfig(cmd=("sh",))


def test_a_command_or_args_need_no_image_at_all():
    assert resolve({"image": "whatever/unknown", "command": ["x"]}, python=PY) == ImageConfig()
    assert resolve({"image": "whatever/unknown", "args": ["x"]}, python=PY) == ImageConfig()


def test_unknown_image_says_how_to_map_it():
    out = resolve({"image": "redis:7"}, python=PY, map_file="/data/images.yaml")
    assert isinstance(out, Unsupported)
    assert out.reason == "ImageNotSupported"
    assert "redis:7" in out.message and "/data/images.yaml" in out.message
    assert '"redis*"' in out.message


def test_grpc_images_run_the_grpc_stand_ins_with_the_installed_packages():
    server = resolve({"image": "techdozo/grpc-lb-server:1.0.0"}, python=PY)
    assert isinstance(server, ImageConfig) and server.serves == 8001
    assert server.cmd[:2] == (PY, "-I") and server.cmd[2].endswith("standins/grpc_lb.py")
    assert server.cmd[3] == "server"
    client = resolve({"image": "techdozo/grpc-lb-client:1.0.0"}, python=PY)
    assert isinstance(client, ImageConfig) and client.cmd[3] == "client" and not client.serves


def test_user_map_comes_first_and_matches_full_names_too():
    user = parse_user_map({"redis*": ["redis-server", "--port", "6379"],
                           "nginx:custom": "python3 -m http.server 80",
                           "team/*": {"entrypoint": "/bin/app", "cmd": ["--serve"]}})
    assert resolve({"image": "redis:7"}, python=PY, user_map=user) == ImageConfig(
        cmd=("redis-server", "--port", "6379"))
    assert resolve({"image": "nginx:custom"}, python=PY, user_map=user) == ImageConfig(
        cmd=("python3", "-m", "http.server", "80"))
    assert resolve({"image": "nginx:other"}, python=PY, user_map=user) != ImageConfig(
        cmd=("python3", "-m", "http.server", "80"))
    assert resolve({"image": "registry.example/team/app:1"}, python=PY,
                   user_map=user) == ImageConfig(entrypoint=("/bin/app",), cmd=("--serve",))


def test_bad_user_maps():
    with pytest.raises(ConfigError):
        parse_user_map(["not", "a", "mapping"])
    with pytest.raises(ConfigError):
        parse_user_map({"x": 3})
    assert parse_user_map(None) == ()


def test_load_user_map_reads_yaml_and_ignores_a_broken_file(tmp_path):
    good = tmp_path / "images.yaml"
    good.write_text('"redis*": [redis-server]\n')
    assert load_user_map(good) == (("redis*", ImageConfig(cmd=("redis-server",))),)
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed\n")
    assert load_user_map(bad) == ()
    assert load_user_map(tmp_path / "missing.yaml") == ()
    assert load_user_map(None) == ()


def test_the_user_map_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "images.yaml"
    f = UserMapFile(path)
    assert f.current() == ()
    path.write_text('"redis*": [redis-server]\n')
    assert f.current() == (("redis*", ImageConfig(cmd=("redis-server",))),)
    path.write_text('"redis*": [redis-server, --port, "6380"]\n')
    assert f.current()[0][1].cmd == ("redis-server", "--port", "6380")
    path.unlink()
    assert f.current() == ()
    assert UserMapFile(None).current() == ()
