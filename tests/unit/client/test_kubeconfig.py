import base64

import pytest

from tinykube.client import kubeconfig
from tinykube.errors import ConfigError

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def doc(**cluster):
    return {
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443", **cluster}}],
        "users": [{"name": "u", "user": {"token": "s3cret"}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}},
                     {"name": "other", "context": {"cluster": "c"}}],
        "current-context": "ctx",
    }


def test_current_context_with_embedded_ca(tmp_path):
    cfg = kubeconfig.parse(doc(**{"certificate-authority-data": base64.b64encode(PEM).decode()}),
                           base_dir=tmp_path)
    assert cfg.server == "https://127.0.0.1:6443"
    assert cfg.token == "s3cret"
    assert cfg.ca_data == PEM
    assert cfg.ca_file is None
    assert cfg.context == "ctx"


def test_ca_file_is_relative_to_the_kubeconfig(tmp_path):
    cfg = kubeconfig.parse(doc(**{"certificate-authority": "pki/ca.crt"}), base_dir=tmp_path)
    assert cfg.ca_file == str(tmp_path / "pki" / "ca.crt")


def test_named_context_and_token_file(tmp_path):
    (tmp_path / "tok").write_text("from-file\n")
    d = doc()
    d["users"][0]["user"] = {"tokenFile": "tok"}
    d["contexts"][1]["context"]["user"] = "u"
    cfg = kubeconfig.parse(d, base_dir=tmp_path, context="other")
    assert cfg.token == "from-file"
    assert cfg.context == "other"


def test_load_reads_the_file_and_kubeconfig_env(tmp_path, monkeypatch):
    p = tmp_path / "config"
    p.write_text("current-context: ctx\n" + "\n".join([
        "clusters: [{name: c, cluster: {server: 'https://h:1', insecure-skip-tls-verify: true}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: ctx, context: {cluster: c, user: u}}]",
    ]))
    monkeypatch.setenv("KUBECONFIG", str(p))
    cfg = kubeconfig.load()
    assert (cfg.server, cfg.token, cfg.insecure) == ("https://h:1", "t", True)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.pop("current-context"), "no context"),
    (lambda d: d.update({"current-context": "missing"}), "context 'missing' not found"),
    (lambda d: d["clusters"][0]["cluster"].pop("server"), "has no server"),
    (lambda d: d["clusters"][0]["cluster"].update({"certificate-authority-data": "!!"}),
     "not base64"),
])
def test_mistakes_are_config_errors(tmp_path, mutate, words):
    d = doc()
    mutate(d)
    with pytest.raises(ConfigError) as e:
        kubeconfig.parse(d, base_dir=tmp_path, where="kc.yaml")
    assert words in str(e.value)
    assert str(e.value).startswith("kc.yaml: ")


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError) as e:
        kubeconfig.load(tmp_path / "nope")
    assert "nope" in str(e.value)
