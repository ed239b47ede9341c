"""One module per verb: its flags (``add_parser``) and what it does (``run``).

Each ``run(session, args)`` is a coroutine returning the exit status; errors are raised as
``tinykube.errors`` classes and worded by ``cli.failures`` in one place (``cli.app``).
"""
