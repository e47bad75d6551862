"""Neural networks on the engine: ``Module``, ``Neuron``, ``Layer``, ``MLP``."""

from .module import ACTIVATIONS, MLP, Layer, Module, Neuron

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]
