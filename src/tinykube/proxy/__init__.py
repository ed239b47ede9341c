"""The service proxy: kube-proxy (nftables mode) for tinykube's node namespaces.

    proxier.Proxier         informers -> change trackers -> one dataplane sync at a time
    model, changes          Services/EndpointSlices as values; before/after tracking
    plan, serviceplan,      pure nft planning: kube-proxy's table layout, full and
    layout, names           partial transactions, deterministic chain names
    nftables.NftDataplane   runs the plan with host/nft.py (+ conntrack cleanup)
    userspace/              the same behaviour with asyncio listeners and splice relays
    healthcheck, publish    followers: healthCheckNodePort server; NodePorts/LB IPs on host
"""
