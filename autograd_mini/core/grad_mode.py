"""``no_grad()``, ``enable_grad()``, ``set_grad_enabled()``: whether ops record the graph.

The switch is ``recording``, a ContextVar, so every thread and asyncio task has its own;
one ``no_grad()`` object may be entered from many threads and tasks at once.
"""

import contextvars
import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "recording"]

recording = contextvars.ContextVar("autograd_mini_recording", default=True)


_tokens = contextvars.ContextVar("autograd_mini_grad_mode_tokens", default=())


class no_grad:
    """Context manager and decorator under which ops record no parents (as
    ``torch.no_grad()``): results keep their op, but no gradient flows through them.
    Used as ``with no_grad():``, ``@no_grad()`` or ``@no_grad``; on a generator function
    it covers the generator's body."""

    _enabled = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if fn is not None:                          # used bare: @no_grad
            if not callable(fn):
                raise TypeError(f"{cls.__name__}() takes no arguments (or decorates a "
                                f"function), got {type(fn).__name__}")
            return self(fn)
        return self

    def __init__(self, fn=None):
        pass

    # Each enter pushes the token of its switch on a stack of this thread's / task's own
    # (one ContextVar for all no_grad objects), each exit resets the top one: one object
    # may be entered from many threads, tasks and nested blocks at once.
    def __enter__(self):
        _tokens.set(_tokens.get() + (recording.set(self._enabled),))
        return self

    def __exit__(self, *exc):
        tokens = _tokens.get()
        _tokens.set(tokens[:-1])
        recording.reset(tokens[-1])
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


class set_grad_enabled:
    """Turn recording on or off, as ``torch.set_grad_enabled(mode)``: called as a
    function it switches at once (in this thread or task); used as ``with
    set_grad_enabled(mode):`` or as a decorator, the previous setting comes back after."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got "
                            f"{type(mode).__name__}: {mode!r}")
        self.mode, self.previous = mode, recording.get()
        recording.set(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        recording.set(self.previous)
        return False

    def __call__(self, fn):
        recording.set(self.previous)            # as a decorator: nothing switched now
        mode = self.mode

        def switch():
            return set_grad_enabled(mode)
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                return (yield from _each_step_under(switch, fn(*args, **kwargs)))
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with switch():
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` (or after ``set_grad_enabled(False)``)."""
    return recording.get()
