"""``no_grad()`` and ``enable_grad()``: whether ops record the graph.

The switch is ``engine.recording``, a ContextVar, so every thread and asyncio task has its
own; one ``no_grad()`` object may be entered from many threads and tasks at once.
"""

import contextvars
import functools
import inspect

from .engine import recording

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]


class no_grad:
    """Context manager and decorator under which ops record no parents (as
    ``torch.no_grad()``): results keep their op, but no gradient flows through them.
    Used as ``with no_grad():``, ``@no_grad()`` or ``@no_grad``; on a generator function
    it covers the generator's body."""

    _enabled = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        # the setting before each enter, per thread/task (a ContextVar of a tuple stack)
        self._saved = contextvars.ContextVar(f"{cls.__name__}_saved", default=())
        if fn is not None:                          # used bare: @no_grad
            if not callable(fn):
                raise TypeError(f"{cls.__name__}() takes no arguments (or decorates a "
                                f"function), got {type(fn).__name__}")
            return self(fn)
        return self

    def __init__(self, fn=None):
        pass

    def __enter__(self):
        self._saved.set(self._saved.get() + (recording.get(),))
        recording.set(self._enabled)
        return self

    def __exit__(self, *exc):
        saved = self._saved.get()
        recording.set(saved[-1])
        self._saved.set(saved[:-1])
        return False

    def __call__(self, fn):
        mode = type(self)
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                return (yield from _each_step_under(mode, fn(*args, **kwargs)))
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)
        return wrapper


def _each_step_under(mode, gen):
    """Run generator ``gen`` with every step of its body inside ``mode()`` (as PyTorch
    does), the caller's code between steps outside it."""
    step, arg = gen.send, None
    while True:
        try:
            with mode():
                response = step(arg)
        except StopIteration as stop:
            return stop.value
        try:
            step, arg = gen.send, (yield response)
        except GeneratorExit:
            with mode():
                gen.close()
            raise
        except BaseException as error:          # thrown in by the caller: pass it on
            step, arg = gen.throw, error


class enable_grad(no_grad):
    """Turn recording back on inside ``no_grad()``."""

    _enabled = True


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return recording.get()
