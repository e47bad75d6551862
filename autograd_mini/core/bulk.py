"""Loops over many nodes' numbers and gradients, for ``compile``'s replay.

The replay ``compile`` generates is Python; where it reads the leaves' numbers and adds to
their gradients, it calls these instead of writing the loop out. Compiled with the core
(mypyc), they read and write a node's fields in C (indexing tuples: a few ns a node),
where Python code reading a compiled node's ``.data`` takes about 20 ns. Each does the same
float operations in the same order as the Python loop in its docstring, so the replay's
numbers are the same bit for bit on both engines. ``ps``, ``qs``: tuples of Values of
the same length; ``cs``: a tuple of floats.
"""

from __future__ import annotations

from typing import Any

from .grads import grad_of, set_grad
from .node import Node

__all__ = ["data_of", "add_grads", "sum_products", "sum_scaled", "sum_data",
           "add_products", "add_scaled", "add_constants", "add_same", "add_pass"]


def data_of(nodes: Any) -> list[Any]:
    """``[p.data for p in nodes]`` (the float objects themselves, not copies)"""
    out: list[Any] = []
    p: Node
    for p in nodes:
        out.append(p._data)
    return out


def add_grads(nodes: Any, grads: list[float]) -> None:
    """``for p, g in zip(nodes, grads): p.grad += g`` (None + g is g: ``add_pass``)"""
    for i in range(min(len(nodes), len(grads))):
        _accumulate(nodes[i], grads[i])


def sum_products(acc: float, ps: tuple[Node, ...], qs: tuple[Node, ...]) -> float:
    """``for p, q in zip(ps, qs): acc += p.data * q.data`` (then ``acc``)"""
    for i in range(len(ps)):
        x: float = ps[i]._data
        y: float = qs[i]._data
        acc += x * y
    return acc


def sum_scaled(acc: float, ps: tuple[Node, ...], cs: tuple[float, ...]) -> float:
    """``for p, c in zip(ps, cs): acc += p.data * c`` (then ``acc``)"""
    for i in range(len(ps)):
        x: float = ps[i]._data
        acc += x * cs[i]
    return acc


def sum_data(acc: float, ps: tuple[Node, ...]) -> float:
    """``for p in ps: acc += p.data`` (then ``acc``)"""
    for i in range(len(ps)):
        x: float = ps[i]._data
        acc += x
    return acc


def add_products(ps: tuple[Node, ...], qs: tuple[Node, ...], g: Any = None) -> None:
    """``for p, q in zip(ps, qs): p.grad = (p.grad or 0.0) + q.data * g; q.grad = (q.grad
    or 0.0) + p.data * g`` (without ``* g`` where g is None)"""
    for i in range(len(ps)):
        p, q = ps[i], qs[i]
        x: float = p._data
        y: float = q._data
        if g is None:
            _add(p, y)
            _add(q, x)
        else:
            _add(p, y * g)
            _add(q, x * g)


def add_scaled(ps: tuple[Node, ...], cs: tuple[float, ...], g: Any = None) -> None:
    """``for p, c in zip(ps, cs): p.grad = (p.grad or 0.0) + c * g`` (``+ c`` where g is
    None)"""
    for i in range(len(ps)):
        _add(ps[i], cs[i] if g is None else cs[i] * g)


def add_constants(ps: tuple[Node, ...], cs: tuple[float, ...]) -> None:
    """``for p, c in zip(ps, cs): p.grad += c``"""
    for i in range(len(ps)):
        _accumulate(ps[i], cs[i])


def add_same(ps: tuple[Node, ...], g: Any) -> None:
    """``for p in ps: p.grad += g``"""
    for i in range(len(ps)):
        _accumulate(ps[i], g)


def _accumulate(p: Node, d: float) -> None:
    """``p.grad += d`` (``add_pass`` where .grad is None or a Value)"""
    if p._grad_value is None:
        p._grad += d
    else:
        add_pass(p, d)


def _add(p: Node, d: Any) -> None:
    """``p.grad = (p.grad or 0.0) + d``"""
    if p._grad_value is None:
        p._grad = (p._grad or 0.0) + d
    else:
        set_grad(p, (grad_of(p) or 0.0) + d)


def add_pass(v: Node, g: Any) -> None:
    """``v.grad`` gets one pass's gradient ``g`` added as ``backward()`` adds a pass: it
    is ``g`` where ``v.grad`` was None, 0.0 or -0.0, else ``g + v.grad``."""
    old = grad_of(v)
    set_grad(v, g + old if old else g)
