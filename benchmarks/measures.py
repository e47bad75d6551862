"""Measurements that are not one workload's time: bytes per node of the ``wide`` graph,
the cost of ``compile`` on the chain, and how deep a chain each engine survives."""

import gc
import sys
import time
import tracemalloc

from .common import CHAIN_A, CHAIN_B


def memory_per_node(engine_obj, n):
    """Bytes per graph node of ``wide`` (tracemalloc, leaves included, graph alive)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        graph, nodes = engine_obj.wide_graph(n)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del graph
    return (after - before) / nodes


def compile_cost(n, memory=False):
    """``autograd_mini.compile`` of the chain of n ops, beside one eager forward +
    backward of it: seconds (``memory`` False) or tracemalloc peak bytes (True) of
    (eager, the first call: trace + code, the second call: checked against eager)."""
    from autograd_mini import Value, compile

    def f(x):
        y = x
        for _ in range(n // 2):
            y = y * CHAIN_A + CHAIN_B
        return y

    def measure(action):
        gc.collect()
        if memory:
            tracemalloc.start()
        t0 = time.perf_counter()
        try:
            action()
            return tracemalloc.get_traced_memory()[1] if memory else time.perf_counter() - t0
        finally:
            if memory:
                tracemalloc.stop()

    def eager():
        y = f(Value(0.5))
        y.backward()
    step, x = compile(f), Value(0.5)
    return [measure(eager), measure(lambda: step(x)), measure(lambda: step(x))]


def max_depth(engine_obj, limit):
    """The chain depth (ops) at which ``chain`` first fails with the interpreter's
    default recursion limit, searched up to ``limit``; None if it never fails."""
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)

    def ok(n):
        try:
            engine_obj.chain(n)
            return True
        except RecursionError:
            return False
    try:
        lo, hi = 0, 2
        while hi <= limit and ok(hi):
            lo, hi = hi, hi * 4
        if hi > limit:
            return None if ok(limit) else _bisect(ok, lo, limit)
        return _bisect(ok, lo, hi)
    finally:
        sys.setrecursionlimit(saved)


def _bisect(ok, lo, hi):
    """Smallest failing n in (lo, hi], given ok(lo) and not ok(hi)."""
    while hi - lo > 2:
        mid = (lo + hi) // 2 // 2 * 2
        if mid <= lo:
            break
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return hi
