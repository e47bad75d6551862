"""The ``lm`` workload: one training step of the names GPT (``autograd_mini.models``, its
default size: n_embd 16, 4 heads, one layer), on one fixed name ("isabella": 8
predictions), so that every step builds the same graph and ``compile`` applies:
forward, cross-entropy, ``zero_grad``, ``backward``, Adam step. Only autograd_mini runs
it (the model is written with autograd_mini's nn); ``nodes`` is the graph's size.

The engine ``issue-day`` is the package as it was on issue 20's day: the first commit
with this model, ``THEN`` (f8e8e40, the issue's measurements, plus the house's moves), taken
out of the repository's history with ``git archive``; the issue's 3x target is against it.
"""

import os
import subprocess
import tempfile
import time

NAME = "isabella"
ENGINES = ("autograd_mini", "interpreted", "compiled", "issue-day")
THEN = "0f1669e"


def then_source():
    """A folder holding the package ``autograd_mini`` at commit ``THEN`` (made once, in
    the temporary folder). ImportError where git or the history is missing."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = os.path.join(tempfile.gettempdir(), f"autograd_mini-{THEN}")
    if not os.path.isdir(os.path.join(folder, "autograd_mini")):
        os.makedirs(folder, exist_ok=True)
        try:
            archive = subprocess.run(["git", "archive", THEN, "autograd_mini"], cwd=root,
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise ImportError(f"the package at {THEN} (git archive: {e})") from None
    return folder


class LanguageModelStep:
    """Mixed into the autograd_mini engines of ``workloads``."""

    lm_compile = False                  # Compiled sets it
    lm_parts = None                     # each eager step's (forward, backward, Adam) s

    def lm_setup(self, n=None):
        from autograd_mini import compile
        from autograd_mini.core import topological_order
        from autograd_mini.models import GPT, Vocabulary, load_names
        from autograd_mini.models.trainer import sequence_loss
        from autograd_mini.optim import Adam

        vocab = Vocabulary(load_names())
        tokens = vocab.encode(NAME)
        self.lm_model = GPT(len(vocab), block_size=12, seed=0)
        self.lm_opt = Adam(self.lm_model.parameters(), lr=0.01, betas=(0.9, 0.99))
        self.lm_loss = lambda: sequence_loss(self.lm_model, [tokens])[0]
        self.lm_nodes = len(topological_order(self.lm_loss()))
        self.lm_parts = []
        if self.lm_compile:
            self.lm_compiled = compile(self.lm_loss)
            self.lm_compiled()                          # trace + generate code, untimed

    def lm(self, n=None):
        from autograd_mini import collector_paused

        t0 = time.perf_counter()
        if self.lm_compile:
            self.lm_opt.zero_grad()
            loss = self.lm_compiled()
            self.lm_opt.step()
            return loss
        with collector_paused():        # as models.Trainer runs a step: the whole step
            self.lm_opt.zero_grad()     # paused, the graph freed inside (it is never
            total = self.lm_loss()      # traversed by the collector)
            t1 = time.perf_counter()
            total.backward()
            t2 = time.perf_counter()
            loss = total.data
            del total
            self.lm_opt.step()
        self.lm_parts.append((t1 - t0, t2 - t1, time.perf_counter() - t2))   # the parts:
        return loss                     # zero_grad + forward + loss, backward, Adam (+ free)
