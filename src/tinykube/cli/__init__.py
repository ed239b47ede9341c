"""The kubectl-like verbs of the ``tinykube`` command (``get``, ``apply``, ``describe``...).

``app.main(argv)`` runs one verb. Objects are shown in one place (``printers``, over the
server's Tables), ``describe`` pages live in ``describe``, errors are worded in
``failures``, and each verb is a module of ``verbs``.
"""
