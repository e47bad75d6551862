"""``python -m autograd_mini names``: train a character-level language model on the census
names, show the loss before and after, plot the loss curve, sample new names.

    python -m autograd_mini names                 # the one-layer GPT, 1000 steps
    python -m autograd_mini names --model mlp     # the MLP language model
    python -m autograd_mini names --checkpoint run.json   # save as it goes; rerun resumes

Seeded and deterministic: the same command prints the same numbers and names.
"""

import argparse
import json
import math
import os
import random
import sys
import time

from ..util.fileio import write_problem
from .gpt import GPT
from .graph import token_graph, write_graph
from .mlp_lm import MLPLanguageModel
from .names import Vocabulary, load_names, split
from .plot import plot_losses
from .trainer import Trainer, evaluate, sample

__all__ = ["add_names_parser", "build_model", "run"]

DEFAULTS = {"gpt": dict(steps=1000, lr=1e-2), "mlp": dict(steps=1000, lr=1e-2)}


def build_model(kind, vocab_size, block_size, seed, n_embd=None):
    """The model called ``kind`` ("gpt" or "mlp") at its default (small) size."""
    if kind == "gpt":
        return GPT(vocab_size, block_size=block_size, n_embd=n_embd or 16, n_head=4,
                   n_layer=1, seed=seed)
    return MLPLanguageModel(vocab_size, block_size=3, n_embd=n_embd or 8, n_hidden=64,
                            seed=seed)


def _positive_int(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return n


def _positive_float(text):
    try:
        x = float(text)
    except ValueError:
        x = 0.0
    if not 0.0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return x


def add_names_parser(commands):
    p = commands.add_parser(
        "names", help="train a character-level language model on names (GPT or MLP)",
        description="Train a character-level language model on 5,163 first names of the "
        "1990 US Census, on the scalar engine: the loss before and after (held-out names), "
        "a progress bar (tqdm), a loss-curve plot (matplotlib) and sampled names.")
    p.add_argument("--model", choices=("gpt", "mlp"), default="gpt",
                   help="a one-layer GPT (default) or an MLP language model")
    p.add_argument("--steps", type=_positive_int, help="training steps (default 1000)")
    p.add_argument("--lr", type=_positive_float, help="Adam's learning rate (default 0.01), "
                   "decayed along a cosine to 0")
    p.add_argument("--batch-size", type=_positive_int, default=1, help="names per step")
    p.add_argument("--n-embd", type=_positive_int, help="embedding size (gpt 16, mlp 8)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights, the order of the "
                   "names and the samples (default 0)")
    p.add_argument("--val", type=_positive_int, default=200,
                   help="names held out to measure the loss (default 200)")
    p.add_argument("--samples", type=int, default=10, help="names to sample at the end")
    p.add_argument("--plot", default="names-{model}-loss.png", metavar="PATH",
                   help="the loss curve (default names-{model}-loss.png; '' for none)")
    p.add_argument("--graph", metavar="PATH", help="also draw one token's computation "
                   "graph, collapsed by layer and head (.svg/.png/.gv)")
    p.add_argument("--checkpoint", metavar="PATH", help="save model, optimizer, scheduler "
                   "and data order here every 100 steps (atomically); if the file exists, "
                   "resume from it")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def _unwritable(args):
    """Why an output path cannot be written (before any training), or None."""
    plot = args.plot.replace("{model}", args.model) if args.plot else ""
    for option, path in (("--plot", plot), ("--graph", args.graph),
                         ("--checkpoint", args.checkpoint)):
        problem = path and write_problem(path)
        if problem:
            return f"{option} {path!r}: {problem}"
    return None


def run(args):
    problem = _unwritable(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    names = load_names()
    if args.val >= len(names):
        print(f"error: --val {args.val}: at most {len(names) - 1} of the {len(names):,} "
              f"names can be held out", file=sys.stderr)
        return 1
    vocab = Vocabulary(names)
    train_names, val_names = split(names, args.val, seed=args.seed)
    block_size = max(map(len, names)) + 1
    steps = args.steps or DEFAULTS[args.model]["steps"]
    lr = args.lr or DEFAULTS[args.model]["lr"]
    model = build_model(args.model, len(vocab), block_size, args.seed, args.n_embd)
    trainer = Trainer(model, train_names, vocab, steps=steps, lr=lr,
                      batch_size=args.batch_size, seed=args.seed)
    config = {"model": args.model, **model.config, "steps": steps, "lr": lr,
              "batch_size": args.batch_size, "val": args.val}
    resumed = _resume(trainer, args.checkpoint, config)
    print(f"{type(model).__name__}: {len(model.parameters()):,} parameters, "
          f"{len(train_names):,} training names, {len(val_names)} held out; {steps} steps "
          f"of Adam (lr {lr}, cosine decay), {args.batch_size} name(s) per step")
    before = evaluate(build_model(args.model, len(vocab), block_size, args.seed,
                                  args.n_embd), val_names, vocab)
    print(f"loss before training: {before:.4f} (held-out names; uniform guessing: "
          f"ln {len(vocab)} = {math.log(len(vocab)):.4f})")
    if resumed:
        print(f"resumed from {args.checkpoint} at step {trainer.step_count}")
    start = time.perf_counter()
    trainer.run(progress=not args.no_progress, checkpoint=args.checkpoint,
                extra={"config": config})
    seconds = time.perf_counter() - start
    after = evaluate(model, val_names, vocab)
    tail = trainer.losses[-100:]
    print(f"loss after training:  {after:.4f} (held-out names); training loss, last "
          f"{len(tail)} steps: {sum(tail) / len(tail):.4f}")
    done = steps - (resumed or 0)
    print(f"trained {done} steps in {seconds:.1f} s ({1e3 * seconds / max(done, 1):.1f} "
          f"ms/step)")
    samples = sample(model, vocab, random.Random(args.seed), args.samples)
    if samples:
        print("sampled names: " + ", ".join(samples))
    plot = args.plot.replace("{model}", args.model) if args.plot else ""
    if plot:
        print(plot_losses(trainer.losses, plot, f"{type(model).__name__} on names: "
                          f"training loss per step", reference=before, after=after))
    if args.graph:
        write_graph(token_graph(model, vocab.encode(val_names[0])), args.graph)
        print(f"wrote one token's computation graph to {args.graph}")
    if args.json:
        print(json.dumps({"config": config, "loss_before": before, "loss_after": after,
                          "train_loss_last_100": sum(tail) / len(tail),
                          "seconds": seconds, "samples": samples}))
    return 0


def _resume(trainer, path, config):
    """The step resumed at (0 if the file does not exist yet); the saved configuration
    must be this one (checked before anything is loaded)."""
    if not path or not os.path.exists(path):
        return 0

    def same_config(data):
        saved = data.get("config") if isinstance(data, dict) else None
        if saved != config:
            sys.exit(f"error: {path} was saved by another configuration:\n  {saved}"
                     f"\nthis run is\n  {config}\n(give another --checkpoint path)")
    try:
        trainer.load(path, check=same_config)
    except (ValueError, OSError) as e:
        sys.exit(f"error: --checkpoint {path!r}: {e}")
    return trainer.step_count
