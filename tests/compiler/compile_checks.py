"""Helpers the compile tests share: a call's outcome as bits, eager and compiled."""

import struct

from autograd_mini import Value


def bits(x):
    """The float's bits; every NaN alike (which NaN an operation on two NaNs returns
    depends on the machine instruction's operand order, eager's or compiled's)."""
    return b"nan" if x != x else struct.pack("<d", x)


def outcome(f, leaves):
    """(output bits, gradient bits) of f(), or the type of what it raised; .grad zeroed."""
    for v in leaves:
        v.grad = 0.0
    try:
        value = f()
    except (ArithmeticError, ValueError) as e:
        return type(e)
    value = value.data if isinstance(value, Value) else value
    return bits(value), [bits(v.grad) for v in leaves]


def eager(fn, leaves, args=()):
    """outcome() of fn(*args) run eagerly: its output, then backward()."""
    def f():
        out = fn(*args)
        out.backward()
        return out
    return outcome(f, leaves)
