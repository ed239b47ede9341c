from tinykube.machinery.ratelimit import (
    Backoff,
    Bucket,
    ItemExponential,
    MaxOf,
    default_controller_limiter,
)
from tinykube.testing.clock import FakeClock


def test_item_exponential_doubles_per_key_and_caps():
    lim: ItemExponential[str] = ItemExponential(base=0.005, max_delay=1000.0)
    delays = [lim.when("a") for _ in range(5)]
    assert delays == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert lim.when("b") == 0.005  # keys are independent
    assert lim.retries("a") == 5
    for _ in range(100):
        last = lim.when("a")
    assert last == 1000.0


def test_item_exponential_forget_starts_over():
    lim: ItemExponential[str] = ItemExponential()
    lim.when("a")
    lim.when("a")
    lim.forget("a")
    assert lim.retries("a") == 0
    assert lim.when("a") == 0.005


def test_bucket_allows_burst_then_spaces_by_qps():
    clock = FakeClock()
    b: Bucket[str] = Bucket(qps=10.0, burst=3, clock=clock)
    assert [b.when("x") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.when("x") == 0.1
    assert round(b.when("x"), 6) == 0.2


async def test_bucket_refills_with_time():
    clock = FakeClock()
    b: Bucket[str] = Bucket(qps=10.0, burst=1, clock=clock)
    assert b.when("x") == 0.0
    assert b.when("x") > 0
    await clock.advance(10.0)
    assert b.when("x") == 0.0


def test_max_of_takes_the_longest_and_forgets_all():
    clock = FakeClock()
    lim = MaxOf[str](ItemExponential(base=1.0), Bucket(qps=1.0, burst=1, clock=clock))
    assert lim.when("a") == 1.0
    assert lim.when("a") == 2.0
    assert lim.retries("a") == 2
    lim.forget("a")
    assert lim.retries("a") == 0


def test_default_controller_limiter_starts_at_5ms():
    lim = default_controller_limiter(FakeClock())
    assert lim.when("k") == 0.005


def test_backoff_grows_with_jitter_and_resets():
    b = Backoff(initial=1.0, maximum=4.0, factor=2.0, jitter=1.0, rand=lambda: 0.5)
    assert [b.next() for _ in range(4)] == [1.5, 3.0, 6.0, 6.0]
    b.reset()
    assert b.next() == 1.5


def test_backoff_without_jitter_is_exact():
    b = Backoff(initial=0.5, maximum=2.0, jitter=0.0)
    assert [b.next() for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
