"""Whether this process is the ``mgkinetics`` command's own.

Only the command's entry points (the installed script, ``python -m mgkinetics_cli.main``) claim
the process, before click parses anything; a program that runs the command inside itself
(click's test runner, a notebook, a script calling ``cli.main``) never does. ``report`` reads it
to decide whether it may freeze the collector and end the process early.
"""

from __future__ import annotations

__all__ = ["claim", "owned"]

_claimed: list[bool] = [False]


def claim() -> None:
    """Record that this process is the command's own (called by the entry points only)."""
    _claimed[0] = True


def owned() -> bool:
    """Whether an entry point of the command claimed this process."""
    return _claimed[0]
