"""Cache-light forms: same commands for the kernel, and no rewrite when that is not certain."""

from __future__ import annotations

from tinykube.host import nftforms
from tinykube.host.nftforms import Decl, Schema
from tinykube.proxy import plan
from tinykube.proxy.model import EndpointInfo, NodeConfig, ProxyState, ServicePortInfo
from tinykube.proxy.model import ServicePortName as Spn

T = "ip tinykube"
NODE = NodeConfig("node-0", ("172.18.0.2",))
AFF = Decl("set", "type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ;")


def expand(text: str) -> list[str]:
    """The commands nft makes of ``text``: a chain block becomes the chain, then its rules;
    a set block with elements becomes the elements (its declaration repeats an existing
    one, which the kernel tests check is a no-op)."""
    out = []
    for line in text.splitlines():
        if line.startswith("add chain") and line.endswith("}"):
            head, _, body = line.partition(" { ")
            parts = [p.strip() for p in body.rstrip("}").split(" ; ") if p.strip(" ;")]
            props = [p for p in parts if p.split()[0] in ("type", "policy")]
            out.append(head + (f" {{ {' ; '.join(props)} ; }}" if props else ""))
            table, name = " ".join(head.split()[2:4]), head.split()[-1]
            out += [f"add rule {table} {name} {r.rstrip(' ;')}" for r in parts if r not in props]
        elif line.startswith(("add set", "add map")) and "elements = " in line:
            head, _, rest = line.partition(" { ")
            elements = rest.partition("elements = { ")[2].split(" }")[0]
            table = " ".join(head.split()[2:4])
            out.append(f"add element {table} {head.split()[-1]} {{ {elements} }}")
        else:
            out.append(line)
    return out


def without_redeclarations(commands: list[str]) -> list[str]:
    """Drop a declaration repeated after the first (a no-op for the kernel)."""
    seen: set[str] = set()
    out = []
    for c in commands:
        if c.startswith(("add chain", "add set", "add map")) and not c.startswith("add rule"):
            name = c.split(" { ")[0]
            if name in seen:
                continue
            seen.add(name)
        out.append(c)
    return out


def two_syncs(affinity: int = 0, *, replace: bool = True
              ) -> tuple[plan.Transaction, plan.Transaction]:
    """A full sync of one Service, then a partial one that adds a Service and replaces one
    endpoint of the first (or, without ``replace``, adds one)."""
    spn = Spn("default", "web", "", "TCP")
    info = ServicePortInfo(spn, "10.96.0.20", 80, session_affinity_timeout=affinity)
    eps = (EndpointInfo("10.244.0.10", 8080), EndpointInfo("10.244.0.11", 8080))
    full = plan.plan(ProxyState({spn: info}, {spn: eps}), NODE, plan.EMPTY, None, now=0.0)
    new = Spn("default", "api", "", "TCP")
    api = ServicePortInfo(new, "10.96.0.21", 80, session_affinity_timeout=affinity)
    third = (EndpointInfo("10.244.0.12", 8080),)
    state = ProxyState({spn: info, new: api},
                       {spn: (eps[:1] if replace else eps) + third, new: eps})
    partial = plan.plan(state, NODE, full.applied, {spn, new}, now=1.0)
    return full, partial


def test_a_partial_sync_becomes_declarations_with_the_same_commands() -> None:
    full, partial = two_syncs()
    schema = nftforms.learn(nftforms.EMPTY, full.text)
    light = nftforms.cache_light(partial.text, schema)
    assert light is not None
    assert "add rule" not in light and "add element" not in light
    want = [x for x in partial.text.splitlines() if x]
    assert without_redeclarations(expand(light)) == want


def test_rules_keep_their_order_and_a_base_chain_keeps_its_hook() -> None:
    text = (f"add chain {T} nat-output {{ type nat hook output priority -100 ; }}\n"
            f"add chain {T} svc\n"
            f"add rule {T} nat-output jump svc\n"
            f"add rule {T} svc ip daddr 10.96.0.1 counter\n"
            f"add rule {T} svc meta l4proto tcp dnat to 10.244.0.5:80\n")
    light = nftforms.cache_light(text)
    assert light is not None
    assert (f"add chain {T} nat-output {{ type nat hook output priority -100 ; "
            "jump svc ; }") in light
    assert (f"add chain {T} svc {{ ip daddr 10.96.0.1 counter ; "
            "meta l4proto tcp dnat to 10.244.0.5:80 ; }") in light


def test_a_set_named_by_a_rule_is_declared_before_it_from_the_schema() -> None:
    schema = Schema({("ip", "tinykube", "aff-1"): AFF})
    text = (f"add chain {T} svc\n"
            f"add rule {T} svc ip saddr @aff-1 goto ep\n")
    light = nftforms.cache_light(text, schema)
    assert light is not None
    lines = light.splitlines()
    assert lines[1] == f"add set {T} aff-1 {{ {AFF.body} }}"
    assert lines[2].startswith(f"add chain {T} svc {{ ip saddr @aff-1")
    assert nftforms.cache_light(text) is None  # unknown set: nft must look it up


def test_a_set_declared_earlier_in_the_transaction_is_not_repeated() -> None:
    text = (f"add set {T} aff-1 {{ {AFF.body} }}\n"
            f"add chain {T} ep\n"
            f"add rule {T} ep update @aff-1 {{ ip saddr }}\n")
    light = nftforms.cache_light(text)
    assert light is not None
    assert light.count("add set") == 1


def test_elements_travel_inside_their_declaration() -> None:
    schema = Schema({("ip", "tinykube", "cluster-ips"): Decl("set", "type ipv4_addr ;")})
    text = f"add element {T} cluster-ips {{ 10.96.0.1, 10.96.0.2 }}\n"
    assert nftforms.cache_light(text, schema) == (
        f"add set {T} cluster-ips {{ type ipv4_addr ; elements = {{ 10.96.0.1, 10.96.0.2 }} ; }}\n")
    assert nftforms.cache_light(text) is None


def test_transactions_that_need_the_cache_anyway_are_left_alone() -> None:
    declared = f"add chain {T} svc\n"
    for line in (f"delete element {T} service-ips {{ 10.96.0.1 . tcp . 80 }}",
                 f"delete chain {T} svc",
                 f"delete set {T} aff-1",
                 f"insert rule {T} svc counter",
                 f"list chain {T} svc",
                 f"add rule {T} other counter",  # a chain this transaction did not declare
                 f"add rule {T} svc counter ; counter",
                 f'add chain {T} "quoted"'):
        assert nftforms.cache_light(declared + line + "\n") is None, line


def test_interval_sets_and_chain_blocks_with_rules_are_left_alone() -> None:
    interval = (f"add set {T} ranges {{ type ipv4_addr ; flags interval ; }}\n"
                f"add element {T} ranges {{ 10.0.0.0/8 }}\n")
    assert nftforms.cache_light(interval) is None
    block = f"add chain {T} svc {{ counter ; }}\nadd rule {T} svc accept\n"
    assert nftforms.cache_light(block) is None


def test_big_transactions_are_left_alone() -> None:
    text = f"add chain {T} svc\n" + f"add rule {T} svc counter\n" * 10
    assert nftforms.cache_light(text, max_lines=11) is not None
    assert nftforms.cache_light(text, max_lines=10) is None


def test_comments_and_blank_lines_are_dropped() -> None:
    assert nftforms.cache_light(f"# hello\n\nadd table {T}\n") == f"add table {T}\n"


def test_learn_follows_declarations_and_deletions() -> None:
    s = nftforms.learn(nftforms.EMPTY, (
        f"add table {T}\n"
        f"add set {T} a {{ type ipv4_addr ; }}\n"
        f"add map {T} m {{ type ipv4_addr : verdict ; }}\n"
        f"add set {T} b {{ {AFF.body} }}\n"
        f"add set {T} c {{ type ipv4_addr ; elements = {{ 10.0.0.1 }} ; }}\n"
        f"add rule {T} svc ip saddr @a counter\n"))
    assert set(s.sets) == {("ip", "tinykube", n) for n in ("a", "m", "b")}
    assert s.sets[("ip", "tinykube", "m")] == Decl("map", "type ipv4_addr : verdict ;")
    s = nftforms.learn(s, f"delete set {T} b\n")
    assert ("ip", "tinykube", "b") not in s.sets
    s = nftforms.learn(s, f"add set {T} a {{ type ipv4_addr ; flags interval ; }}\n")
    assert ("ip", "tinykube", "a") not in s.sets  # no longer repeatable
    s = nftforms.learn(s, f"delete table {T}\n")
    assert s.sets == {}
    assert nftforms.forget(Schema({("ip", "t", "x"): AFF}), [("ip", "t", "x")]).sets == {}


def test_an_affinity_service_is_rewritten_once_the_schema_knows_its_sets() -> None:
    full, partial = two_syncs(affinity=10800, replace=False)
    assert "@affinity-" in partial.text
    schema = nftforms.learn(nftforms.EMPTY, full.text)
    light = nftforms.cache_light(partial.text, schema)
    assert light is not None and "add rule" not in light
    _, removing = two_syncs(affinity=10800)
    # A removed endpoint's affinity set is emptied at once and deleted later with the
    # stale chains, so the sync that removes it needs no cache.
    assert "flush set" in removing.text
    assert "delete set" not in removing.text
    assert nftforms.cache_light(removing.text, schema) is not None
