"""Cluster DNS: the CoreDNS ``kubernetes`` plugin's answers, compiled ahead of queries.

Anatomy: ``records`` (API objects -> values), ``rules``/``apex``/``reverse``/``pods`` (what
each name answers, R1-R31 of dns-spec.md), ``render`` (answers -> wire bytes), ``zone``
(the index an informer feeds, recompiling only what a change touches), ``answer`` (query
bytes -> response bytes; pure), ``forward``/``cache`` (upstream resolvers), ``server``
(UDP/TCP sockets; UDP in a thread of its own, ``udp``, answering from ``replies``, ready
responses keyed by the query, through ``mmsg``), ``metrics``, ``feed`` (informers -> zone).
dnspython lives in ``message``.
"""
