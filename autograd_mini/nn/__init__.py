"""Neural networks on the engine, with ``torch.nn``'s names where torch has the concept:
``Module``, ``ModuleList``, ``Sequential``, ``Linear``, ``Embedding``, ``LayerNorm``,
``RMSNorm``, ``ReLU``, ``Dropout``; the notes' ``Neuron``, ``Layer``, ``MLP``; and
``autograd_mini.nn.functional`` (``import autograd_mini.nn.functional as F``)."""

from . import functional
from .base import IncompatibleKeys, Module, ModuleList, Sequential, StateDictError
from .layers import Dropout, Embedding, LayerNorm, Linear, ReLU, RMSNorm
from .module import ACTIVATIONS, MLP, Layer, Neuron

__all__ = ["Module", "ModuleList", "Sequential", "Neuron", "Layer", "MLP", "ACTIVATIONS",
           "Linear", "Embedding", "LayerNorm", "RMSNorm", "ReLU", "Dropout",
           "IncompatibleKeys", "StateDictError", "functional"]
