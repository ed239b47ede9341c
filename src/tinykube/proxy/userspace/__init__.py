"""The userspace dataplane: the nftables behaviour with sockets, for hosts without nft.

``dataplane.UserspaceDataplane`` listens on every service address and relays each new
connection (or UDP client) to an endpoint chosen by ``balancer.Balancer``; ``tcp.py`` and
``udp.py`` are the per-protocol listeners. SCTP is not supported here (nor was it by
kube-proxy's userspace mode).
"""
