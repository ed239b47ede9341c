"""The host adapter: the only place that does privileged operations.

Network namespaces, links, addresses and routes, running code or creating sockets inside
a namespace, nftables transactions, conntrack, and processes in their own namespaces.
The agent and the proxy use it; nothing here knows about Kubernetes objects. Everything
it creates is named with the ``tinykube`` prefix (``tk-`` where the kernel's 15-character
interface-name limit forces it), and it never changes the host network namespace.
"""
