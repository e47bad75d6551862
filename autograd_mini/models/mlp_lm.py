"""A character-level MLP language model (Bengio et al. 2003, as in makemore): the last
``block_size`` characters, each embedded as ``n_embd`` numbers, concatenated, through one
tanh hidden layer, to the logits of the next character.

    x = [wte[c_(t-block_size+1)], ..., wte[c_t]]       (block_size * n_embd numbers)
    h = tanh(W1 x + b1),   logits = W2 h + b2,   p(c_(t+1)) = softmax(logits)
"""

import random

from ..nn import Embedding, Linear, Module

__all__ = ["MLPLanguageModel"]


class MLPLanguageModel(Module):
    """``MLPLanguageModel(vocab_size, block_size=3, n_embd=8, n_hidden=64, seed=0)``;
    ``model(tokens)`` gives the next-token logits after each prefix of ``tokens``."""

    own_ops = "tanh of the hidden layer"          # what its own forward computes (models.graph)

    def __init__(self, vocab_size, block_size=3, n_embd=8, n_hidden=64, seed=0):
        super().__init__()
        rng = random.Random(seed)
        self.config = dict(vocab_size=vocab_size, block_size=block_size, n_embd=n_embd,
                           n_hidden=n_hidden, seed=seed)
        self.block_size = block_size
        self.wte = Embedding(vocab_size, n_embd, rng=rng)
        self.hidden = Linear(block_size * n_embd, n_hidden, rng=rng)
        self.head = Linear(n_hidden, vocab_size, rng=rng)

    def next_logits(self, tokens):
        """The logits of the token after ``tokens`` (only the last context is computed)."""
        return self.forward(tokens[-self.block_size:])[-1] if len(tokens) >= self.block_size \
            else self.forward(tokens)[-1]

    def forward(self, tokens):
        """Logits of the next token after ``tokens[:t+1]``, for each t (a list of lists)."""
        padded = [0] * self.block_size + list(tokens)
        out = []
        for t in range(len(tokens)):
            context = padded[t + 1:t + 1 + self.block_size]
            x = [v for i in context for v in self.wte(i)]
            h = [v.tanh() for v in self.hidden(x)]
            out.append(self.head(h))
        return out
