"""Command line: ``python -m autograd_mini demo``, ``python -m autograd_mini example``,
``python -m autograd_mini check-derivation FILE`` and ``python -m autograd_mini names`` (a
language model trained on names, ``models.cli``).

Output cut short by the reader (``... | head``) ends the command quietly, as Unix tools do.
"""

import argparse
import os
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


def example(args):
    """The worked 2-2-2 example of the notes, computed through ``MLP`` and checked against
    the hand-built graph: a readable table, or one JSON object. Exit status 1 if the two
    disagree or the image cannot be written."""
    import json

    from .example import format_table, worked_example

    if args.svg is not None:                       # before the (long) training run
        problem = image_path_problem(args.svg)
        if problem:
            print(f"error: --svg {args.svg!r}: {problem}", file=sys.stderr)
            return 1
    result = worked_example(steps=args.steps, lr=args.lr, update_biases=args.update_biases)
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    print(f"(engine: {engine_in_use()})", file=sys.stderr)
    if not result["check"]["agree"]:
        print("error: the MLP and the hand-built graph disagree (see 'check')", file=sys.stderr)
        return 1
    if args.svg is not None:
        return write_example_svg(args.svg)
    return 0


def engine_in_use():
    """Which core ran: "compiled (mypyc)" or "interpreted (why)" (core/compiled.py)."""
    from .core import compiled
    if compiled.ENGINE == "compiled":
        return "the compiled core (mypyc); AUTOGRAD_MINI_PURE=1 runs its Python source"
    return f"the interpreted core: {compiled.REASON}"


def image_path_problem(path):
    """Why the image can't be written to ``path`` (None if it can): an image suffix the
    renderer makes, a file we may write (tried, not guessed: a read-only file, folder or
    file system is found here), a renderer."""
    from pathlib import Path

    from .util.fileio import write_problem
    from .visual.rendering import IMAGE_SUFFIXES, RendererNotFound, find_program

    if not path:
        return "give a file name, e.g. --svg graph.svg"
    p = Path(path)
    if p.is_dir():
        return "is a directory; give a file name inside it, e.g. " + str(p / "graph.svg")
    if p.suffix.lower() not in IMAGE_SUFFIXES:
        return (f"the suffix {p.suffix or '(none)'!r} is not an image format the renderer "
                f"writes; use one of {', '.join(IMAGE_SUFFIXES)}")
    problem = write_problem(p)
    if problem:
        return problem
    try:
        find_program()
    except RendererNotFound as e:
        return str(e)
    return None


def write_example_svg(path):
    """Draw the worked example's graph after backward() into ``path`` (its suffix picks
    the image format: .svg, .png or .jpg), all or nothing."""
    from pathlib import Path

    from .example import WEIGHTS, build_worked_example
    from .util.fileio import write_atomic
    from .visual.rendering import IMAGE_SUFFIXES, RendererNotFound
    from .visual.viz import draw

    ex = build_worked_example()
    graph = draw(ex.output, precision=9, params=[ex[w] for w in WEIGHTS])
    try:
        write_atomic(path, graph.pipe(IMAGE_SUFFIXES[Path(path).suffix.lower()]))
    except (RendererNotFound, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote the worked example's graph (after backward) to {path}", file=sys.stderr)
    return 0


def _nonnegative_int(text):
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return n


def _positive_float(text):
    try:
        x = float(text)
    except ValueError:
        x = 0.0
    if not 0.0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return x


def add_example_parser(commands):
    """The ``example`` subcommand's parser (returned so more options can be added)."""
    p = commands.add_parser("example", help="the worked 2-2-2 backpropagation example",
                            description="The worked 2-2-2 example of BACKPROP_NOTES.md: every "
                            "forward value, the errors, all eight gradients, the weights "
                            "after one step and the error after N steps.")
    p.add_argument("--steps", type=_nonnegative_int, default=10000, metavar="N",
                   help="gradient-descent steps for the error history (default 10000)")
    p.add_argument("--lr", type=_positive_float, default=0.5,
                   help="learning rate (default 0.5, as in the notes)")
    p.add_argument("--update-biases", action="store_true",
                   help="update b1 and b2 too (the classic presentation keeps them fixed)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (forward, E_total, grads, updated, E_history)")
    p.add_argument("--svg", metavar="PATH",
                   help="also write the example's computation graph, after backward, as an image "
                   "(.svg, or .png/.jpg: the suffix picks the format)")
    p.set_defaults(run=example)
    return p


def _read_derivation(path):
    """The text of FILE (``-``: standard input): UTF-8 (a BOM is dropped) or UTF-16 with
    its BOM; (text, None) or (None, the reason it cannot be read)."""
    from .testing.derivation_parse import MAX_TEXT

    limit = 4 * MAX_TEXT + 4                            # bytes: at most 4 per character
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
    except OSError as e:
        return None, f"cannot read {path!r}: {e.strerror or e}"
    if len(data) > limit:
        return None, (f"{path!r} is larger than {limit:,} bytes (a derivation is a few "
                      f"hundred lines)")
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as e:
        return None, (f"{path!r} is not text in UTF-8 (byte {e.start}: "
                      f"{data[e.start:e.start + 1]!r})")


def check_derivation_command(args):
    """Check the lines of a hand derivation (the worked 2-2-2 example) and print the
    report: exit status 0 when every line read is right, 1 when a line is wrong, 2 when
    nothing could be read."""
    from .testing import check_derivation

    text, problem = _read_derivation(args.file)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        report = check_derivation(text, lr=args.lr)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(report)
    if report.nothing_read:
        return 2
    return 1 if report.wrong else 0


def add_check_derivation_parser(commands):
    p = commands.add_parser(
        "check-derivation", help="check the lines of a hand derivation of the worked example",
        description="Check a backpropagation derivation done by hand, line by line, against "
        "the engine: the worked 2-2-2 example of BACKPROP_NOTES.md (net_h1, out_o1, E_total, "
        "dE_total/dw5, w5+ ...). One quantity a line, name = number (working before the last "
        "= is allowed; Markdown tables are read). Exit status: 0 all right, 1 a line is "
        "wrong, 2 nothing could be read.")
    p.add_argument("file", metavar="FILE", help="the text file with your lines (- reads "
                   "standard input)")
    p.add_argument("--lr", type=_positive_float, default=0.5,
                   help="learning rate of the w+ lines (default 0.5, as in the notes; a line "
                   "'η = ...' in the text takes precedence)")
    p.set_defaults(run=check_derivation_command)
    return p


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograd_mini",
                                     description="autograd_mini command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="a short engine demo").set_defaults(run=demo)
    add_example_parser(commands)
    add_check_derivation_parser(commands)
    from .models.cli import add_names_parser
    add_names_parser(commands)
    args = parser.parse_args(argv)
    try:
        status = args.run(args)
        sys.stdout.flush()                          # a closed pipe shows here, not at exit
    except BrokenPipeError:
        # The reader stopped reading (``| head``): say nothing. Python flushes stdout
        # once more at exit; point it at devnull so that flush has nowhere to fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
