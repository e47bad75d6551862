"""A GPT (decoder-only transformer, Radford et al. 2018) on scalar Values: token and
position embeddings, blocks of causal self-attention and an MLP, each behind an RMSNorm
with a residual connection, and a linear head to next-token logits.

For each position t of the sequence (x_t a vector of n_embd Values):

    x_t = wte[token_t] + wpe[t]
    per block:  x_t = x_t + attn(norm1(x))_t,   x_t = x_t + mlp(norm2(x_t))
    attention head h:  q_t = Wq x_t, k_s = Wk x_s, v_s = Wv x_s,
                       a_t = sum_(s <= t) softmax_s(q_t . k_s / sqrt(head_size)) v_s
    attn(x)_t = Wo [a_t of every head];   mlp(x) = W2 relu(W1 x + b1) + b2
    logits_t = W_head norm_f(x_t)

Each head is a module of its own (``blocks.0.attn.heads.2``), so the graph of one token
can be drawn collapsed by layer and head (``models.graph``).
"""

import random

from ..nn import Embedding, Linear, Module, ModuleList, RMSNorm
from ..nn import functional as F

__all__ = ["GPT", "Block", "MultiHeadAttention", "Head", "FeedForward"]


class Head(Module):
    """One head of causal self-attention: ``softmax(q k^T / sqrt(d)) v`` over positions
    s <= t."""

    def __init__(self, n_embd, head_size, rng):
        super().__init__()
        self.query = Linear(n_embd, head_size, bias=False, rng=rng)
        self.key = Linear(n_embd, head_size, bias=False, rng=rng)
        self.value = Linear(n_embd, head_size, bias=False, rng=rng)

    def forward(self, x):
        return F.scaled_dot_product_attention(self.query(x), self.key(x), self.value(x),
                                              is_causal=True)


class MultiHeadAttention(Module):
    """``n_head`` heads side by side, their outputs concatenated and projected."""

    def __init__(self, n_embd, n_head, rng):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        self.heads = ModuleList([Head(n_embd, n_embd // n_head, rng) for _ in range(n_head)])
        self.proj = Linear(n_embd, n_embd, rng=rng)

    def forward(self, x):
        outs = [h(x) for h in self.heads]
        return self.proj([[v for out in outs for v in out[t]] for t in range(len(x))])


class FeedForward(Module):
    """``W2 relu(W1 x + b1) + b2`` at each position, ``n_hidden`` wide."""

    def __init__(self, n_embd, n_hidden, rng):
        super().__init__()
        self.fc = Linear(n_embd, n_hidden, rng=rng)
        self.proj = Linear(n_hidden, n_embd, rng=rng)

    def forward(self, x):
        return self.proj(F.relu(self.fc(x)))


class Block(Module):
    """``x + attn(norm1(x))``, then ``x + mlp(norm2(x))`` (pre-norm residual block)."""

    def __init__(self, n_embd, n_head, n_hidden, rng):
        super().__init__()
        self.norm1 = RMSNorm(n_embd)
        self.attn = MultiHeadAttention(n_embd, n_head, rng)
        self.norm2 = RMSNorm(n_embd)
        self.mlp = FeedForward(n_embd, n_hidden, rng)

    def forward(self, x):
        x = _add(x, self.attn(self.norm1(x)))
        return _add(x, self.mlp(self.norm2(x)))


def _add(x, y):
    return [[a + b for a, b in zip(u, v)] for u, v in zip(x, y)]


class GPT(Module):
    """``GPT(vocab_size, block_size=16, n_embd=16, n_head=4, n_layer=1, n_hidden=None,
    seed=0)`` (``n_hidden``: 4 n_embd by default); ``model(tokens)`` gives the
    next-token logits at each position of ``tokens`` (at most ``block_size``)."""

    own_ops = "wte[token] + wpe[position]"          # what its own forward computes (models.graph)

    def __init__(self, vocab_size, block_size=16, n_embd=16, n_head=4, n_layer=1,
                 n_hidden=None, seed=0):
        super().__init__()
        n_hidden = 4 * n_embd if n_hidden is None else n_hidden
        self.config = dict(vocab_size=vocab_size, block_size=block_size, n_embd=n_embd,
                           n_head=n_head, n_layer=n_layer, n_hidden=n_hidden, seed=seed)
        self.block_size = self.max_tokens = block_size
        rng = random.Random(seed)
        self.wte = Embedding(vocab_size, n_embd, rng=rng)
        self.wpe = Embedding(block_size, n_embd, rng=rng)
        self.blocks = ModuleList([Block(n_embd, n_head, n_hidden, rng)
                                  for _ in range(n_layer)])
        self.norm_f = RMSNorm(n_embd)
        self.head = Linear(n_embd, vocab_size, bias=False, rng=rng)

    def forward(self, tokens):
        """Logits of the next token at each position (a list of lists)."""
        if len(tokens) > self.block_size:
            raise ValueError(f"GPT: {len(tokens)} tokens but block_size is {self.block_size}")
        x = [[a + b for a, b in zip(self.wte(i), self.wpe(t))] for t, i in enumerate(tokens)]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm_f(x))
