"""An experiment for issue 20: how much faster the engine's ops and backward get when
compiled with mypyc, for two node layouts (not a shipped engine).

    make bench-layout                   # installs mypy (mypyc needs a C compiler), then
    python -m benchmarks.layout         # builds both variants, prints a table

``node_layout.py`` is the engine's node, ops and backward in small, with slots of their
own for what is not a float (masked edges; n-ary parents, hooks, None or Value
gradients); it runs interpreted, and compiled twice (copies built in a temporary folder):
with its numbers typed ``float`` (unboxed C doubles) and with them ``Any``, as mypyc sees
the shipped engine's slots (which also hold None, tuples and Values). The workloads are
chain and wide of ``benchmarks``, beside its hand-written floats and ``autograd_mini``
itself, with the collector on and off; every engine's gradients must be the same floats,
bit for bit; last, the memory per node of each.
docs/performance.md has the numbers and what they decide.
"""
