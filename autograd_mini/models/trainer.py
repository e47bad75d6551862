"""Training a character-level language model on names, one scalar at a time.

    trainer = Trainer(GPT(len(vocab), block_size=16), train_names, vocab, steps=1000)
    trainer.run()                      # a tqdm bar when tqdm is installed
    trainer.save("run.json")           # model + optimizer + scheduler + data order
    sample(trainer.model, vocab, random.Random(0), 10)

Each step takes ``batch_size`` names drawn by the trainer's own ``random.Random(seed)``,
computes the mean cross-entropy over their characters, and takes one ``Adam`` step with
a cosine-decaying learning rate (``CosineAnnealingLR``, down to 0 at ``steps``). Everything
that decides the next step is in ``state_dict()``: resuming from a saved state and
training on gives the same numbers, bit for bit, as never stopping.
"""

import math
import random

from ..core import no_grad
from ..nn import functional as F
from ..optim import Adam
from ..optim.lr_scheduler import CosineAnnealingLR
from ..util import serialization
from ..util.gc_pause import collector_paused

__all__ = ["Trainer", "sequence_loss", "evaluate", "sample"]


def sequence_loss(model, tokens_list):
    """Mean cross-entropy of predicting each next token of each sequence (a Value), and
    the number of predictions it averages."""
    logits, targets = [], []
    for tokens in tokens_list:
        logits += model(tokens[:-1])
        targets += tokens[1:]
    return F.cross_entropy(logits, targets), len(targets)


@no_grad()
def evaluate(model, names, vocab):
    """Mean loss per character (nats) over ``names``, without building a graph."""
    total, count = 0.0, 0
    for name in names:
        loss, n = sequence_loss(model, [vocab.encode(name)])
        total += loss.data * n
        count += n
    return total / count


@no_grad()
def sample(model, vocab, rng, n=10, temperature=1.0, max_len=20):
    """``n`` new names: characters drawn one at a time from ``softmax(logits / T)`` until
    the boundary token, or ``max_len`` characters (at most what the model can read: a
    GPT's ``block_size`` tokens)."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not 0.0 < temperature < math.inf:
        raise ValueError(f"sample: temperature must be a positive number, got {temperature!r}")
    limit = min(max_len + 1, getattr(model, "max_tokens", None) or max_len + 1)
    out = []
    for _ in range(n):
        tokens = [0]
        while len(tokens) < limit:
            logits = model.next_logits(tokens) if hasattr(model, "next_logits") \
                else model(tokens)[-1]
            p = [v.data for v in F.softmax([v / temperature for v in logits])]
            t = rng.choices(range(len(p)), weights=p)[0]
            if t == 0:
                break
            tokens.append(t)
        out.append(vocab.decode(tokens))
    return out


def _rng_state(rng):
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _set_rng_state(rng, state):
    version, internal, gauss = state
    rng.setstate((version, tuple(internal), gauss))


class Trainer:
    """Adam (``lr``, betas (0.9, 0.99)) with a cosine decay over ``steps``, on
    ``batch_size`` names per step drawn with ``random.Random(seed)``."""

    def __init__(self, model, names, vocab, steps=1000, lr=1e-2, batch_size=1, seed=0):
        if not names:
            raise ValueError("Trainer needs at least one name to train on")
        self.model, self.names, self.vocab = model, list(names), vocab
        self.steps, self.batch_size = steps, batch_size
        self.optimizer = Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))
        self.scheduler = CosineAnnealingLR(self.optimizer, T_max=max(steps, 1))
        self.rng = random.Random(seed)
        self.step_count = 0
        self.losses, self.lrs = [], []

    def step(self):
        """One training step; returns its loss."""
        batch = [self.vocab.encode(self.rng.choice(self.names)) for _ in range(self.batch_size)]
        # The collector paused for the whole step, the graph freed inside: it has no cycles
        # to collect, and a pass after the pause would traverse it all (2 ms of a GPT step).
        with collector_paused():
            loss, _ = sequence_loss(self.model, batch)
            value = loss.data
            if not math.isfinite(value):            # before any weight changes
                raise FloatingPointError(f"the loss is {value} at step "
                                         f"{self.step_count + 1}; the weights are unchanged")
            self.optimizer.zero_grad()
            loss.backward()
            del loss
            self.lrs.append(self.optimizer.param_groups[0]["lr"])
            self.optimizer.step()
            self.scheduler.step()
        self.step_count += 1
        self.losses.append(value)
        return value

    def run(self, progress=True, checkpoint=None, every=100, extra=None):
        """Train until ``steps``; ``checkpoint``: a path saved every ``every`` steps and at
        the end (atomically, with ``extra``). ``progress``: a tqdm bar if tqdm is installed."""
        bar = _bar(self.steps, self.step_count, progress)
        try:
            while self.step_count < self.steps:
                loss = self.step()
                if bar is not None:
                    bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
                    bar.update(1)
                if checkpoint and (self.step_count % every == 0
                                   or self.step_count == self.steps):
                    self.save(checkpoint, extra)
        finally:
            if bar is not None:
                bar.close()
        return self.losses

    # ------------------------------------------------------------------ saving
    def state_dict(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "rng": _rng_state(self.rng),
                "step": self.step_count, "losses": list(self.losses), "lrs": list(self.lrs)}

    def load_state_dict(self, state):
        """Restore ``state_dict()``: all of it or, on any error (a damaged or hand-edited
        file), nothing (the trainer is put back as it was and the error raised)."""
        before = self.state_dict()
        try:
            self._load(state)
        except BaseException:
            self._load(before)
            raise

    def _load(self, state):
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(self.rng, state["rng"])
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"trainer state: step must be an int >= 0, got {step!r}")
        self.step_count = step
        self.losses, self.lrs = list(state["losses"]), list(state["lrs"])

    def save(self, path, extra=None):
        """Write ``state_dict()`` (and ``extra``, e.g. the model's config) to ``path`` as
        JSON, atomically: an interrupted save leaves the previous file whole."""
        serialization.save({"trainer": self.state_dict(), **(extra or {})}, path)

    def load(self, path, check=None):
        """Continue from a file written by ``save``; returns its whole contents.
        ``check(contents)``, if given, runs before anything is loaded (to refuse a file
        saved by another configuration). A file that is not a trainer's state is a
        ValueError naming the file, and the trainer is left as it was."""
        data = serialization.load(path)
        if check is not None:
            check(data)
        try:
            if not isinstance(data, dict) or not isinstance(data.get("trainer"), dict):
                raise ValueError("no trainer state in it")
            self.load_state_dict(data["trainer"])
        except (ValueError, KeyError, TypeError, IndexError) as e:
            raise ValueError(f"{path}: not a trainer checkpoint this trainer can resume "
                             f"from: {type(e).__name__}: {e}") from None
        return data


def _bar(total, done, progress):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, desc="train", unit="step", leave=True)
