"""``tinykube status``: whether the cluster on a data dir runs, and runs well.

``observe`` gathers the facts (the pid, the components' board, the API, the node, a DNS
question); ``tally`` turns API lists into counts; ``verdict`` judges the facts into marked
lines and problems; ``render`` prints them as text or JSON; ``command`` ties them together
and picks the exit status. Everything but ``observe``, ``dnscheck`` and ``command`` is
pure.
"""
