"""``Module``: what every network of ``autograd_mini.nn`` shares, with ``torch.nn.Module``'s
names: ``parameters``/``named_parameters``, ``children``/``named_children``,
``modules``/``named_modules``, ``train``/``eval``/``training``, ``zero_grad``,
``state_dict``/``load_state_dict(strict=)``, ``apply``, ``forward`` behind ``__call__``.

A module's parameters and submodules are found in its attributes, in the order they were
set (as torch registers them): a leaf ``Value`` is a parameter, a ``Module`` a submodule,
and lists or tuples of either (nested) count too, named with their index (``weight.0.1``,
``blocks.0``), as torch's ``ParameterList``/``ModuleList`` are. (torch ignores a module
kept in a plain list; here a list works, and ``ModuleList`` exists for ported code.)
Subclasses may define ``named_parameters`` / ``named_children`` themselves, as ``Neuron``,
``Layer`` and ``MLP`` do (their names are the notes' ``L0.N1.w0``).
"""

import math
from collections import namedtuple
from numbers import Real

from ..core import Value

__all__ = ["Module", "ModuleList", "Sequential", "IncompatibleKeys", "StateDictError",
           "number", "ACTIVATIONS"]

# activation name -> the Value method that applies it (None: the identity); here, below
# both ``module`` (Neuron, Layer, MLP) and ``checkpoint`` (which checks a file's names)
ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
               "linear": None}


def number(x, where):
    """A weight read from outside: a finite float, or a ValueError naming ``where``."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise ValueError(f"{where} must be a number, got {type(x).__name__}: {x!r}")
    try:
        x = float(x)
    except OverflowError:
        raise ValueError(f"{where} is too large for a float") from None
    if not math.isfinite(x):
        raise ValueError(f"{where} must be a finite number, got {x!r}")
    return x


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns, as torch's: the model's names the state lacked
    (``missing_keys``) and the state's names the model lacks (``unexpected_keys``)."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictError(KeyError, RuntimeError):
    """``load_state_dict(strict=True)`` with names that do not match: a RuntimeError as in
    torch (and a KeyError, as this project raised before)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def _walk(name, x, want):
    """``(name, item)`` for each item of type ``want`` in ``x``: ``x`` itself, or the items
    of a list/tuple (nested), named ``name.i``."""
    if isinstance(x, want):
        yield name, x
    elif isinstance(x, (list, tuple)):
        for i, item in enumerate(x):
            if isinstance(item, want):
                yield f"{name}.{i}", item
            elif isinstance(item, (list, tuple)):
                yield from _walk(f"{name}.{i}", item, want)


def _unique(named):
    """``(name, Value)`` pairs with each Value once, under its first name (a parameter
    shared by two places is one parameter, as in torch)."""
    return _distinct(named, key=lambda pair: id(pair[1]))


def _distinct(values, key=id):
    """The items of ``values``, each once by ``key`` (its first place): Values by
    identity (``parameters()`` without the names)."""
    seen = set()
    return [v for v in values if (k := key(v)) not in seen and not seen.add(k)]


class _Handle:
    """``remove()`` takes a hook away (torch's ``RemovableHandle``)."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class Module:
    """Base class of networks, as ``torch.nn.Module``: subclass it, set parameters
    (leaf Values) and submodules as attributes in ``__init__``, write ``forward``."""

    training = True                     # torch: a new module is in training mode

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self, args, out)
                out = out if result is None else result
        return out

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after every ``forward`` run through
        ``module(...)``; a result other than None replaces the output (torch's rule).
        Returns a handle whose ``remove()`` takes the hook away."""
        if not callable(hook):
            raise TypeError(f"register_forward_hook needs a function, got {hook!r}")
        hooks = self.__dict__.setdefault("_forward_hooks", {})
        key = object()
        hooks[key] = hook
        return _Handle(hooks, key)

    # ------------------------------------------------------------------ structure
    def named_children(self):
        """``(name, module)`` for each direct submodule, in the order they were set."""
        seen = set()
        for attr, x in vars(self).items():
            for name, m in _walk(attr, x, Module):
                if id(m) not in seen:
                    seen.add(id(m))
                    yield name, m

    def children(self):
        """The direct submodules (an iterator, as torch's)."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module (named ``prefix``, "" by default) and every
        submodule below it, depth first, each once (``remove_duplicate``), as torch's."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self.named_children():
            sub = f"{prefix}.{name}" if prefix else name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        """This module and every submodule below it (an iterator), each once."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(self):
        """``(name, Value)`` pairs: this module's own leaf Values (attributes, or lists of
        them), then each submodule's under its name, each Value once."""
        own, subs = [], []
        for attr, x in vars(self).items():
            own += [(n, v) for n, v in _walk(attr, x, Value) if not v.op]    # leaves
        for name, m in self.named_children():
            subs += [(f"{name}.{n}", p) for n, p in m.named_parameters()]
        return _unique(own + subs)

    def parameters(self):
        """Every trainable Value of this module, as a list."""
        return [p for _, p in self.named_parameters()]

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule and then on this one; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes
    def train(self, mode=True):
        """Set ``training`` to ``mode`` on this module and every submodule; returns self.
        (Modules that behave differently in training, such as ``Dropout``, read it.)"""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        """``train(False)``: evaluation mode, on every submodule; returns self."""
        return self.train(False)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=False):
        """Reset every parameter's ``grad`` (they accumulate otherwise): to 0.0, or to
        None with ``set_to_none=True`` as torch does by default. ``backward()`` treats a
        None grad as 0; optimizers skip a parameter whose grad is None."""
        value = None if set_to_none else 0.0
        for p in self.parameters():
            p.grad = value

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """``{name: float}`` for every parameter (a copy of the numbers, not the Values)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict, strict=True):
        """Set parameters from ``{name: number}``; returns ``IncompatibleKeys(missing_keys,
        unexpected_keys)``. ``strict=True``: names that do not match are an error
        (``StateDictError``, a RuntimeError and KeyError) and nothing changes; with
        ``strict=False`` the matching names are loaded. A value that is not a finite
        number is a ValueError either way, before anything changes."""
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a mapping of names to numbers, "
                            f"got {type(state_dict).__name__}")
        params = dict(self.named_parameters())
        missing = [n for n in params if n not in state_dict]
        unexpected = [n for n in state_dict if n not in params]
        if strict and (missing or unexpected):
            raise StateDictError(f"state does not match {type(self).__name__}: missing "
                                 f"{missing}, unexpected {unexpected}")
        values = {n: number(state_dict[n], n) for n in params if n in state_dict}
        for n, x in values.items():
            params[n].data = x
        return IncompatibleKeys(missing, unexpected)


class ModuleList(Module):
    """Submodules in a list, named ``0``, ``1``, ... (``torch.nn.ModuleList``)."""

    def __init__(self, modules=()):
        super().__init__()
        self.items = []
        for m in modules:
            self.append(m)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, got {type(module).__name__}")
        self.items.append(module)
        return self

    def named_children(self):
        return ((str(i), m) for i, m in enumerate(self.items))

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


class Sequential(ModuleList):
    """Modules applied in turn: ``Sequential(a, b)(x) == b(a(x))`` (``torch.nn.Sequential``)."""

    def __init__(self, *modules):
        super().__init__(modules)

    def forward(self, x):
        for m in self.items:
            x = m(x)
        return x
