"""The address plan of DESIGN.md, as one ``tinykube up`` uses it.

These addresses exist only inside tinykube's namespaces (the host only gets loopback
listeners), so every cluster on a machine can use the same ones.
"""

from __future__ import annotations

NODE_IP = "172.18.0.2"
NODE_PREFIX = 24
POD_CIDR = "10.244.0.0/24"          # this node's pods
CLUSTER_POD_CIDR = "10.244.0.0/16"  # every node's pods (the proxy's local-traffic detector)
SERVICE_CIDR = "10.96.0.0/12"
DNS_IP = "10.96.0.10"
ZONE = "cluster.local"
PUBLISH_DEFAULT = "127.0.0.1"       # NodePorts are always published here
# LoadBalancer ingress IPs: on the host's loopback (Linux answers all of 127.0.0.0/8), where
# the proxy publishes them with no change to the host; kind's 172.18.255.200-250, moved.
LB_POOL = "127.18.255.200-127.18.255.250"
