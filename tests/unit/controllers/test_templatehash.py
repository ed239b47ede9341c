"""Template hashes: FNV-32a, collision counts, and Kubernetes' safe alphabet."""

import re

from tinykube.controllers.templatehash import compute_hash, fnv32a, safe_encode

SEED_HASHES = ("6f6bcdf657", "fc8c7b6c4", "5c86fddfc5", "86dcfdf4c6", "7776f84758")


def test_fnv32a_known_vectors():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encoding_of_digits_gives_the_seed_alphabet():
    assert safe_encode("0123456789") == "456789bcdf"
    # every hash printed in the seeds is a decimal number in this alphabet
    digits = {c: str(i) for i, c in enumerate(safe_encode("0123456789"))}
    for h in SEED_HASHES:
        assert re.fullmatch("[4-9bcdf]+", h)
        assert int("".join(digits[c] for c in h)) < 2**32


def test_hash_is_stable_and_sensitive_to_template_and_collisions():
    t = {"metadata": {"labels": {"run": "my-nginx"}}, "spec": {"containers": [{"name": "n"}]}}
    same = {"spec": {"containers": [{"name": "n"}]}, "metadata": {"labels": {"run": "my-nginx"}}}
    assert compute_hash(t) == compute_hash(same)
    assert re.fullmatch("[4-9bcdf]{1,10}", compute_hash(t))
    assert compute_hash(t, 1) != compute_hash(t) != compute_hash({**t, "spec": {}})
    assert compute_hash(t, 1) != compute_hash(t, 2)


def test_empty_fields_do_not_change_the_hash():
    t = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "n"}]}}
    noisy = {"metadata": {"labels": {"a": "b"}, "creationTimestamp": None},
             "spec": {"containers": [{"name": "n", "resources": {}}], "volumes": []}}
    assert compute_hash(t) == compute_hash(noisy)
