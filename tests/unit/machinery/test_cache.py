from tinykube.machinery.cache import Cache, by_owner_uid, diff


def obj(name: str, ns: str = "default", rv: str = "1", **labels: str) -> dict:
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": rv,
                         "labels": labels}}


def test_put_get_remove_by_namespace_key():
    c = Cache()
    c.put(obj("a"))
    c.put(obj("a", ns="other"))
    assert c.get("default/a")["metadata"]["namespace"] == "default"
    assert len(c) == 2
    assert c.remove("default/a") is not None
    assert c.get("default/a") is None
    assert c.remove("default/a") is None


def test_cluster_scoped_keys_have_no_slash():
    c = Cache()
    c.put({"metadata": {"name": "node1"}})
    assert list(c) == ["node1"]


def test_index_follows_updates_and_removes():
    c = Cache()
    c.add_index("app", lambda o: [o["metadata"]["labels"].get("app", "")])
    c.put(obj("a", app="web"))
    c.put(obj("b", app="web"))
    assert {o["metadata"]["name"] for o in c.by_index("app", "web")} == {"a", "b"}
    c.put(obj("a", rv="2", app="db"))
    assert [o["metadata"]["name"] for o in c.by_index("app", "web")] == ["b"]
    assert [o["metadata"]["name"] for o in c.by_index("app", "db")] == ["a"]
    c.remove("default/b")
    assert c.by_index("app", "web") == []
    assert c.index_values("app") == ["db"]


def test_index_added_late_covers_existing_objects_and_is_idempotent():
    c = Cache()
    c.put({"metadata": {"name": "p", "namespace": "ns",
                        "ownerReferences": [{"uid": "u1"}, {"uid": "u2"}]}})
    c.add_index("owner", by_owner_uid)
    c.add_index("owner", lambda o: ["ignored"])
    assert len(c.by_index("owner", "u1")) == 1
    assert len(c.by_index("owner", "u2")) == 1
    assert c.by_index("owner", "ignored") == []


def test_diff_reports_adds_updates_and_deletes():
    cached = {"default/a": obj("a", rv="1"), "default/b": obj("b", rv="1"),
              "default/c": obj("c", rv="1")}
    listed = [obj("a", rv="1"), obj("b", rv="5"), obj("d", rv="6")]
    changes = diff(cached, listed)
    got = [(ch.type, (ch.new or ch.old)["metadata"]["name"]) for ch in changes]
    assert got == [("update", "b"), ("add", "d"), ("delete", "c")]
    upd = changes[0]
    assert upd.old["metadata"]["resourceVersion"] == "1"
    assert upd.new["metadata"]["resourceVersion"] == "5"
