"""Character-level language models trained on the engine, one scalar at a time: an MLP
language model (``MLPLanguageModel``) and a one-layer ``GPT``, on the census names
(``names``), with a ``Trainer`` that resumes exactly, sampling, a loss plot and the
computation graph of one token collapsed by layer and head (``graph``).
Run them with ``python -m autograd_mini names`` (see docs/language-model.md)."""

from .gpt import GPT
from .mlp_lm import MLPLanguageModel
from .names import Vocabulary, load_names, split
from .trainer import Trainer, evaluate, sample, sequence_loss

__all__ = ["GPT", "MLPLanguageModel", "Vocabulary", "load_names", "split", "Trainer",
           "evaluate", "sample", "sequence_loss"]
