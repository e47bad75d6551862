"""Command line: ``python -m autograd_mini demo``."""

import argparse
import sys


def demo(args):
    """A short engine demo: a tiny expression, its gradients, and a check of them."""
    from . import Value, gradcheck

    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = Value(10.0, "c")
    e = a * b
    d = e + c
    f = Value(-2.0, "f")
    L = d * f
    L.backward()
    print("L = (a*b + c) * f")
    for v in (a, b, c, f):
        print(f"  dL/d{v.label} = {v.grad:+.4f}   ({v.label} = {v.data:+.4f})")
    print("gradcheck against finite differences:",
          gradcheck(lambda a, b, c, f: (a * b + c) * f, [a, b, c, f]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograd_mini",
                                     description="autograd_mini command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="a short engine demo").set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
