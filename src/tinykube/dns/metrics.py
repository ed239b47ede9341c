"""Counters and a latency histogram for the DNS server, rendered in Prometheus text format.

The server calls ``observe`` once per answered query, so it stays a handful of integer
increments; names are only spelled out when ``render`` runs (``tinykube_dns_*``). The UDP
thread counts answers it served from ready responses in bulk (``count``, ``time``) into a
private ``Metrics`` and hands it to the event loop, which ``merge``s it into the server's.
"""

from __future__ import annotations

from bisect import bisect_left

from tinykube.dns import wire

# Seconds; the fast path answers in microseconds, a forward in milliseconds.
BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
           0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.queries: dict[int, int] = {}  # by qtype (-1: unreadable)
        self.responses: dict[int, int] = {}  # by header rcode
        self.dropped = 0
        self.truncated = 0
        self.cache_hits = 0
        self.cache_misses = 0
        self.forwarded = 0
        self.forward_failures = 0
        self._buckets = [0] * (len(BUCKETS) + 1)
        self._sum = 0.0
        self._count = 0

    def observe(self, query: bytes, response: bytes | None, seconds: float) -> None:
        end = query.find(0, 12)
        qtype = query[end + 1] << 8 | query[end + 2] if 12 <= end < len(query) - 2 else -1
        self.queries[qtype] = self.queries.get(qtype, 0) + 1
        if response is None or len(response) < 12:
            self.dropped += 1
        else:
            rcode = response[3] & 0xF
            self.responses[rcode] = self.responses.get(rcode, 0) + 1
            if response[2] & 0x02:
                self.truncated += 1
        self._buckets[bisect_left(BUCKETS, seconds)] += 1
        self._sum += seconds
        self._count += 1

    def count(self, qtype: int, rcode: int, truncated: bool, n: int) -> None:
        """``n`` more queries of ``qtype`` answered with ``rcode`` (``observe`` in bulk)."""
        self.queries[qtype] = self.queries.get(qtype, 0) + n
        self.responses[rcode] = self.responses.get(rcode, 0) + n
        if truncated:
            self.truncated += n

    def time(self, seconds: float, n: int) -> None:
        """``n`` queries answered in ``seconds`` each (one batch of datagrams)."""
        self._buckets[bisect_left(BUCKETS, seconds)] += n
        self._sum += seconds * n
        self._count += n

    def merge(self, other: Metrics) -> None:
        """Add everything ``other`` counted."""
        for mine, theirs in ((self.queries, other.queries), (self.responses, other.responses)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        self.dropped += other.dropped
        self.truncated += other.truncated
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.forwarded += other.forwarded
        self.forward_failures += other.forward_failures
        self._buckets = [a + b for a, b in zip(self._buckets, other._buckets, strict=True)]
        self._sum += other._sum
        self._count += other._count

    def empty(self) -> bool:
        return self._count == 0 and not self.queries and not self.dropped

    def render(self) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> str:
            full = f"tinykube_dns_{name}"
            lines.append(f"# HELP {full} {help_text}")
            lines.append(f"# TYPE {full} {kind}")
            return full

        n = family("queries_total", "counter", "Queries received, by query type.")
        for qtype, count in sorted(self.queries.items()):
            label = wire.TYPE_NAMES.get(qtype, "other" if qtype >= 0 else "unreadable")
            lines.append(f'{n}{{type="{label}"}} {count}')
        n = family("responses_total", "counter", "Responses sent, by rcode.")
        for rcode, count in sorted(self.responses.items()):
            lines.append(f'{n}{{rcode="{wire.RCODE_NAMES.get(rcode, str(rcode))}"}} {count}')
        for name, value, text in (
            ("dropped_total", self.dropped, "Packets dropped without a response."),
            ("truncated_total", self.truncated, "Responses sent with the TC bit."),
            ("cache_hits_total", self.cache_hits, "Forwarded queries answered from cache."),
            ("cache_misses_total", self.cache_misses, "Forwarded queries not in cache."),
            ("forwarded_total", self.forwarded, "Queries sent to an upstream resolver."),
            ("forward_failures_total", self.forward_failures,
             "Forwarded queries no upstream answered (SERVFAIL)."),
        ):
            lines.append(f"{family(name, 'counter', text)} {value}")
        n = family("request_duration_seconds", "histogram", "Time to answer a query.")
        cumulative = 0
        for bound, count in zip(BUCKETS, self._buckets, strict=False):
            cumulative += count
            lines.append(f'{n}_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'{n}_bucket{{le="+Inf"}} {self._count}')
        lines.append(f"{n}_sum {self._sum}")
        lines.append(f"{n}_count {self._count}")
        return "\n".join(lines) + "\n"
