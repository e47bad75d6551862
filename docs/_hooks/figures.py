"""The pictures of the documentation, drawn by the library itself when the site is built
(so they always show what the current code draws), and the one the README shows.

``FIGURES`` maps a site path to a function returning the file's bytes; ``PLAYERS`` maps a
name to a function returning an ``Animation`` whose player a page embeds with
``<!-- player: name -->``. ``README_PICTURE`` is committed (README.md shows it on the
repository's pages and in a checkout); tests/test_readme.py checks that it is what
``FIGURES`` draws today, and ``python docs/_hooks/figures.py`` writes it again.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README_PICTURE = "assets/worked-example-network.svg"      # under docs/


def _tiny():
    """L = (a*b + c) * f, micrograd's first example."""
    from autograd_mini import Value
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def tiny_before():
    return _svg(_tiny(), show_grad=False)


def tiny_after():
    L = _tiny()
    L.backward()
    return _svg(L)


def worked_network():
    from autograd_mini import draw
    from autograd_mini.example import build_worked_example_mlp
    model, _ = build_worked_example_mlp()
    names = {"x0": "i1", "x1": "i2", "L0.N0": "h1", "L0.N1": "h2", "L1.N0": "o1",
             "L1.N1": "o2"}
    return draw(model, inputs=[0.05, 0.10], names=names).pipe("svg")


def _svg(root, **options):
    from autograd_mini import draw
    return draw(root, **options).pipe("svg")


def sum_of_paths():
    """b = a + a; c = b + b: the backward pass of the walkthrough's section 4."""
    from autograd_mini import Value, animate
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return animate(c)


FIGURES = {
    "assets/figures/tiny-before.svg": tiny_before,
    "assets/figures/tiny-after.svg": tiny_after,
    README_PICTURE: worked_network,
}
def worked_example_pass():
    """The backward pass of the notes' worked 2-2-2 example, node by node."""
    from autograd_mini import animate
    from autograd_mini.example import build_worked_example
    return animate(build_worked_example().output)


PLAYERS = {"sum-of-paths": sum_of_paths, "worked-example": worked_example_pass}


if __name__ == "__main__":          # write the README's picture again
    sys.path.insert(0, str(ROOT))
    target = ROOT / "docs" / README_PICTURE
    target.write_bytes(FIGURES[README_PICTURE]())
    print(f"wrote {target.relative_to(ROOT)}")
