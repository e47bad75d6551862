"""An ``MLP`` as the same network in PyTorch, to check our numbers against torch's.

``to_torch(model)`` (also ``model.to_torch()``) returns a float64 ``torch.nn.Sequential``:
per layer a ``Linear(nin, nout)`` holding ``W^l`` and ``b^l`` (copies of the numbers), then
``ReLU``/``Tanh``/``Sigmoid`` (nothing for a linear layer). PyTorch is imported only here.
A bias shared by a layer's neurons becomes one number per neuron in torch, so torch's
bias gradients are per neuron; the shared Value's gradient is their sum.
"""

__all__ = ["to_torch"]


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("MLP.to_torch() needs PyTorch, which is not installed "
                          "(pip install torch)") from None
    return torch


def to_torch(model):
    """The same network as a float64 ``torch.nn.Sequential`` with the same weights."""
    torch = _torch()
    activations = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    W, b = model.weights()
    modules = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, bias=model.bias, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W[i], dtype=torch.float64))
            if model.bias:
                linear.bias.copy_(torch.tensor(b[i], dtype=torch.float64))
        modules.append(linear)
        act = model.activations[i]
        if act != "linear":
            modules.append(activations[act]())
    return torch.nn.Sequential(*modules)
