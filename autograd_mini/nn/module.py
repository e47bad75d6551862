"""Neural networks on ``Value``: ``Neuron``, ``Layer``, ``MLP`` (a superset of micrograd's).

A neuron computes ``g(w . x + b)``: ``z = b + sum_k w_k x_k``, ``a = g(z)``, with ``g`` one
of ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"`` (no function). Parameters are leaf
Values whose labels say where they sit (``L0.N1.w0`` = layer 0, neuron 1, weight from
input 0; ``L0.N1.b`` its bias), so drawings and explanations can name them.

Defaults follow micrograd: weights uniform in [-1, 1], biases 0, ReLU hidden layers and a
linear output. Without ``seed`` or ``rng`` the weights come from Python's global ``random``
module in micrograd's order, so ``random.seed(s)`` gives the very weights micrograd would.
"""

import random
from numbers import Real
from operator import mul

from ..core import Value, weighted_sum
from ..util.gc_pause import collector_paused as _collector_paused
from .base import ACTIVATIONS, Module, _distinct, _unique

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

_REPR_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


def _activation_name(activation):
    """Normalise an activation: a name, None (linear), or micrograd's nonlin True/False."""
    if activation is None or activation is False:
        return "linear"
    if activation is True:
        return "relu"
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return activation
    raise ValueError(f"unknown activation {activation!r}; choose one of "
                     f"{', '.join(map(repr, ACTIVATIONS))} or None (linear)")


def _count(n, what):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _rng(seed, rng):
    """The random source: ``rng`` if given, a new ``random.Random(seed)``, or the global one."""
    if rng is not None and seed is not None:
        raise ValueError("give either seed or rng, not both")
    if rng is not None:
        return rng
    return random.Random(seed) if seed is not None else random      # the global generator


def _as_inputs(x):
    """A single number or Value is a one-element input vector."""
    return [x] if isinstance(x, (Value, Real)) else x


def _leaves(x):
    """Inputs as a tuple of Values: a plain number becomes a leaf labelled x0, x1, ...
    (a tuple: each neuron's weighted_sum then takes it as it is, without a copy)."""
    return tuple([v if isinstance(v, Value) else Value(v, f"x{k}") for k, v in enumerate(x)])


def _names_as(module, cls):
    """Whether ``module`` lists its parameters as ``cls`` does: where a subclass redefines
    ``named_parameters`` or ``parameters``, the fast ``parameters()`` below gives way to
    ``Module``'s (the Values of ``named_parameters()``, as torch's)."""
    return (type(module).named_parameters is cls.named_parameters
            and type(module).parameters is cls.parameters)


class Neuron(Module):
    """One neuron: ``a = g(b + sum_k w_k x_k)``.

    ``Neuron(nin, activation="relu", bias=True, name="", seed=None, rng=None)``.
    micrograd's ``Neuron(nin, nonlin=True)`` works too (``nonlin=False`` is linear).
    """

    def __init__(self, nin, activation="relu", bias=True, *, nonlin=None, name="",
                 seed=None, rng=None):
        self.nin = _count(nin, "Neuron nin")
        self.activation = _activation_name(activation if nonlin is None else nonlin)
        self._g = ACTIVATIONS[self.activation]
        rng = _rng(seed, rng)
        prefix = f"{name}." if name else ""
        self.w = [Value(rng.uniform(-1, 1), f"{prefix}w{k}") for k in range(nin)]
        self.b = Value(0.0, f"{prefix}b") if bias else None

    @property
    def nonlin(self):
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def __call__(self, x):
        if len(x) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(x)}")
        return self._forward(_leaves(x))

    def _forward(self, x):
        """The neuron on inputs that are all Values already (``Layer`` checks and wraps
        them once for all its neurons)."""
        b, g = self.b, self._g
        if b is not None:                           # net = b + sum_k w_k x_k, one node
            z = weighted_sum(self.w, x, b)
        else:
            terms = map(mul, self.w, x)             # w_k * x_k (Value * number or Value)
            z = sum(terms, next(terms))
        return g(z) if g is not None else z

    def named_parameters(self):
        params = [(f"w{k}", w) for k, w in enumerate(self.w)]
        return params + [("b", self.b)] if self.b is not None else params

    def parameters(self):                           # named_parameters' Values, faster
        if not _names_as(self, Neuron):             # (zero_grad walks them every step)
            return super().parameters()
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def __repr__(self):
        return f"{_REPR_NAMES[self.activation]}Neuron({self.nin})"


class Layer(Module):
    """``nout`` neurons reading the same inputs. ``Layer(nin, nout, **neuron_kwargs)``.

    Calling it returns a list of outputs, or the one Value when ``nout == 1`` (as micrograd).
    """

    def __init__(self, nin, nout, *, name="", seed=None, rng=None, **kwargs):
        _count(nout, "Layer nout")
        rng = _rng(seed, rng)
        prefix = f"{name}." if name else ""
        self.neurons = [Neuron(nin, name=f"{prefix}N{j}", rng=rng, **kwargs)
                        for j in range(nout)]

    @property
    def nin(self):
        return self.neurons[0].nin

    @property
    def nout(self):
        return len(self.neurons)

    def forward(self, x):
        """The outputs as a list, always (``__call__`` unwraps a single output)."""
        if len(x) != self.nin:                      # named as each of its neurons is
            raise ValueError(f"{self.neurons[0]!r} expects {self.nin} inputs, got {len(x)}")
        x = _leaves(x)
        return [n._forward(x) for n in self.neurons]

    def __call__(self, x):
        out = self.forward(_as_inputs(x))
        return out[0] if len(out) == 1 else out

    def named_children(self):
        return ((f"N{j}", n) for j, n in enumerate(self.neurons))

    def named_parameters(self):
        return _unique((f"N{j}.{name}", p) for j, n in enumerate(self.neurons)
                       for name, p in n.named_parameters())

    def parameters(self):
        if not (_names_as(self, Layer) and all(_names_as(n, Neuron) for n in self.neurons)):
            return super().parameters()
        return _distinct(p for n in self.neurons for p in n.parameters())

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(nin, nouts, activation="relu", output_activation=None)``.

    ``nouts`` lists the layer sizes, e.g. ``MLP(2, [16, 16, 1])``. Hidden layers use
    ``activation``, the last layer ``output_activation`` (None: linear, as micrograd).
    ``bias=False`` leaves the biases out. ``seed`` (or ``rng``, a ``random.Random``) makes
    the initial weights reproducible. Parameters are labelled ``L<i>.N<j>.w<k>`` and
    ``L<i>.N<j>.b``.
    """

    def __init__(self, nin, nouts, activation="relu", output_activation=None, bias=True, *,
                 seed=None, rng=None):
        _count(nin, "MLP nin")
        if isinstance(nouts, int):
            raise TypeError(f"MLP nouts must be a list of layer sizes, e.g. [16, 16, 1], "
                            f"got {nouts!r}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP nouts must list at least one layer size, got []")
        for n in nouts:
            _count(n, "MLP layer size")
        _activation_name(activation)                # checked even when no layer uses it
        rng = _rng(seed, rng)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], name=f"L{i}", rng=rng, bias=bias,
                             activation=output_activation if i == last else activation)
                       for i in range(len(nouts))]

    @property
    def nin(self):
        return self.layers[0].nin

    @property
    def nouts(self):
        return [layer.nout for layer in self.layers]

    @property
    def activations(self):
        """The activation name of each layer, e.g. ``["relu", "relu", "linear"]``."""
        return [layer.neurons[0].activation for layer in self.layers]

    @property
    def bias(self):
        return self.layers[0].neurons[0].b is not None

    def __call__(self, x):
        """The output Value (one output) or list of Values, for inputs x (numbers or Values)."""
        x = self.layer_outputs(x)[-1]
        return x[0] if len(x) == 1 else x

    def layer_outputs(self, x):
        """Every layer's outputs for inputs x, as lists: the notes' ``[a^1, ..., a^L]``
        (``model(x)`` is the last). ``a.op`` is the activation and ``a.parents[0]`` the
        neuron's ``z`` (except for a linear layer, whose output is ``z``).

        The cyclic garbage collector is paused while the graph is built: the graph has no
        cycles for it to find, and scanning the new nodes would be most of the time. Its
        setting is restored on return and on error (``gc_pause.collector_paused``)."""
        x = _as_inputs(x)
        outputs = []
        with _collector_paused():
            for layer in self.layers:
                x = layer.forward(x)                 # inputs wrapped once per layer
                outputs.append(x)
        return outputs

    def named_children(self):
        return ((f"L{i}", layer) for i, layer in enumerate(self.layers))

    def named_parameters(self):
        return _unique((f"L{i}.{name}", p) for i, layer in enumerate(self.layers)
                       for name, p in layer.named_parameters())

    def parameters(self):
        if not (_names_as(self, MLP) and all(_names_as(x, Layer) for x in self.layers)):
            return super().parameters()
        return _distinct(p for layer in self.layers for p in layer.parameters())

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    # ------------------------------------------------------------------ weights as matrices
    def weights(self):
        """``(W, b)``: ``W[l][j][k]`` is the weight from input k to neuron j of layer l and
        ``b[l][j]`` its bias (None without biases), as numbers. The notes' ``W^l[j][k]``."""
        W = [[[w.data for w in n.w] for n in layer.neurons] for layer in self.layers]
        b = [[n.b.data for n in layer.neurons] if self.bias else None for layer in self.layers]
        return W, b

    def gradients(self):
        """``(dW, db)`` in the layout of ``weights()``, from each parameter's ``grad``
        (a bias shared by a layer's neurons shows its one gradient in each place)."""
        dW = [[[float(w.grad) for w in n.w] for n in layer.neurons] for layer in self.layers]
        db = [[float(n.b.grad) for n in layer.neurons] if self.bias else None
              for layer in self.layers]
        return dW, db

    def shape(self):
        """A readable description of the architecture, as error messages use it."""
        return (f"MLP({self.nin}, {self.nouts}, activations={self.activations}, "
                f"bias={self.bias})")

    # ------------------------------------------------------------------ files and PyTorch
    # The work is done in ``checkpoint`` (JSON files) and ``torch_bridge``; these are the
    # handles (imported on use: those modules read this one).
    def to_json(self):
        """The network as a JSON-ready dict: architecture plus ``W``/``b`` per layer."""
        from .checkpoint import to_json
        return to_json(self)

    def save(self, path):
        """Write the weights to ``path`` (a str or os.PathLike, or a text file object) as
        plain JSON. Atomic: if the save fails, the file holds what it held before."""
        from .checkpoint import save
        save(self, path)

    def load(self, path):
        """Load weights saved by ``save()`` into this network (same shape required)."""
        from .checkpoint import load
        load(self, path)
        return self

    def load_json(self, data, source="weights"):
        """Load a dict made by ``to_json()``; a wrong shape names the expected one."""
        from .checkpoint import load_json
        load_json(self, data, source)

    @classmethod
    def from_file(cls, path):
        """A new MLP with the architecture and weights of a file written by ``save()``;
        the whole file is checked against its header before anything is built."""
        from .checkpoint import from_file
        return from_file(path, cls)

    def to_torch(self):
        """The same network as a float64 ``torch.nn.Sequential`` with the same weights:
        ``Linear`` layers followed by ``ReLU``/``Tanh``/``Sigmoid`` (nothing for linear)."""
        from .torch_bridge import to_torch
        return to_torch(self)
