"""The StatefulSet controller: ``identity`` (names, labels, pods of a revision), ``plan``
(the next step under OrderedReady or Parallel, and the status) and ``controller``."""
