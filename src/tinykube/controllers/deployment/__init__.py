"""The Deployment controller: ``revisions`` (which ReplicaSet is new, names and
annotations), ``rollout`` (how many pods each ReplicaSet may have), ``status``
(replica counts and the Available/Progressing conditions) and ``controller`` (the shell)."""
