"""Pausing CPython's cyclic garbage collector while a graph is built or walked.

A graph holds no reference cycles, so while one is built or walked the collector can only
waste time: each of its passes traverses every node alive. ``collector_paused()`` turns
it off inside and puts back the user's setting on every exit path.
"""

import gc

__all__ = ["collector_paused"]


class collector_paused:
    """Context manager: the collector is off inside, and as it was after (exceptions
    included). If it was already off, it stays off. The setting is process-wide."""

    __slots__ = ("_was_enabled",)

    def __enter__(self):
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()
        return self

    def __exit__(self, *exc):
        if self._was_enabled:
            gc.enable()
        return False
