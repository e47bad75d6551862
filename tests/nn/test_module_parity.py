"""Module's torch names and semantics: train/eval/training, children, modules,
named_modules, zero_grad(set_to_none=), load_state_dict(strict=), and the torch-named
layers (Linear, Embedding, LayerNorm, RMSNorm, Sequential) against torch.nn in float64."""

import math
import re

import pytest

from autograd_mini import Value
from autograd_mini.nn import (
    MLP,
    Dropout,
    Embedding,
    IncompatibleKeys,
    LayerNorm,
    Linear,
    Module,
    ModuleList,
    ReLU,
    RMSNorm,
    Sequential,
    StateDictError,
)


class Block(Module):
    def __init__(self, n):
        super().__init__()
        self.norm = LayerNorm(n)
        self.fc = Linear(n, n, seed=1)
        self.drop = Dropout(0.5, seed=0)

    def forward(self, x):
        return [a + b for a, b in zip(x, self.drop(self.fc(self.norm(x))))]


class Net(Module):
    def __init__(self):
        super().__init__()
        self.emb = Embedding(5, 3, seed=2)
        self.blocks = ModuleList([Block(3), Block(3)])
        self.head = Sequential(RMSNorm(3), Linear(3, 5, bias=False, seed=3), ReLU())

    def forward(self, i):
        x = self.emb(i)
        for b in self.blocks:
            x = b(x)
        return self.head(x)


def torch_net(torch):
    nn = torch.nn

    class TBlock(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.norm, self.fc, self.drop = nn.LayerNorm(n), nn.Linear(n, n), nn.Dropout(0.5)

    class TNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 3)
            self.blocks = nn.ModuleList([TBlock(3), TBlock(3)])
            self.head = nn.Sequential(nn.RMSNorm(3), nn.Linear(3, 5, bias=False), nn.ReLU())
    return TNet()


def test_named_modules_children_and_modes_as_torch(torch):
    ours, theirs = Net(), torch_net(torch)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__.replace("TBlock", "Block").replace("TNet", "Net")
         for m in theirs.modules()]
    assert len(list(ours.children())) == len(list(theirs.children())) == 3
    # parameters in torch's order, tensor names followed by the scalar's index
    ours_names = [re.sub(r"(\.\d+)+$", "", n) for n, _ in ours.named_parameters()]
    assert list(dict.fromkeys(ours_names)) == [n for n, _ in theirs.named_parameters()]
    assert ours.eval() is ours and ours.training is False
    theirs.eval()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    ours.blocks[1].train()
    theirs.blocks[1].train()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    with pytest.raises(ValueError, match="expected to be boolean"):
        ours.train(1)


def test_dropout_follows_training():
    net = Net()
    net.eval()
    a = [v.data for v in net(2)]
    assert [v.data for v in net(2)] == a                # eval: deterministic
    net.train()
    outs = {tuple(v.data for v in net(2)) for _ in range(5)}
    assert len(outs) > 1                                 # training: dropout draws


def test_mlp_structure_names():
    m = MLP(2, [2, 1], seed=0)
    assert [n for n, _ in m.named_modules()] == ["", "L0", "L0.N0", "L0.N1", "L1", "L1.N0"]
    assert list(m.children()) == m.layers
    assert m.training and not m.eval().layers[0].neurons[1].training


def test_zero_grad_set_to_none():
    m = MLP(2, [2, 1], seed=0)
    m([1.0, 2.0]).backward()
    m.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in m.parameters())
    m([1.0, 2.0]).backward()                         # a None grad counts as 0
    grads = [p.grad for p in m.parameters()]
    m.zero_grad()
    m([1.0, 2.0]).backward()
    assert [p.grad for p in m.parameters()] == grads


def test_load_state_dict_strict_false_as_torch(torch):
    ours = Sequential(Linear(2, 2, seed=0), Linear(2, 1, seed=1))
    state = ours.state_dict()
    result = ours.load_state_dict(state)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    assert repr(result) == repr(theirs.load_state_dict(theirs.state_dict())) \
        == "<All keys matched successfully>"
    partial = {k: v + 1.0 for k, v in state.items() if k.startswith("0.")}
    partial["extra"] = 5.0
    result = ours.load_state_dict(partial, strict=False)
    tstate = {k: v for k, v in theirs.state_dict().items() if k.startswith("0.")}
    tstate["extra"] = torch.tensor(5.0)
    tresult = theirs.load_state_dict(tstate, strict=False)
    assert isinstance(result, IncompatibleKeys) and isinstance(result, tuple)
    missing, unexpected = result                      # unpacks as torch's
    assert unexpected == tresult.unexpected_keys == ["extra"]
    assert {k.split(".")[0] + "." + k.split(".")[1] for k in missing} == \
        set(tresult.missing_keys)
    assert ours.state_dict() == {**state, **{k: v for k, v in partial.items() if k != "extra"}}
    before = ours.state_dict()
    with pytest.raises(RuntimeError, match=r"unexpected \['extra'\]") as e:
        ours.load_state_dict(partial)
    assert isinstance(e.value, (KeyError, StateDictError))
    assert ours.state_dict() == before                  # nothing changed
    with pytest.raises(ValueError, match="must be a finite number"):
        ours.load_state_dict({"0.bias.0": float("nan")}, strict=False)


def test_subclass_attributes_are_found_in_order():
    class Affine(Module):
        def __init__(self):
            super().__init__()
            self.a = Value(2.0)
            self.rows = [[Value(1.0), Value(3.0)], [Value(4.0)]]
            self.cache = Value(1.0) * 2                  # not a leaf: not a parameter
            self.sub = [Linear(1, 1, seed=0)]

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == ["a", "rows.0.0", "rows.0.1", "rows.1.0",
                                                    "sub.0.weight.0.0", "sub.0.bias.0"]
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "Affine"]                 # children first, as torch


def to_ours(torch_module, ours):
    """Copy a torch module's weights into ours (its scalar names carry the indices)."""
    state = {}
    for name, t in torch_module.state_dict().items():
        for idx, x in zip(_indices(list(t.shape)), t.reshape(-1).tolist()):
            state[".".join([name, *map(str, idx)])] = x
    ours.load_state_dict(state)


def _indices(shape):
    if not shape:
        return [()]
    return [(i, *rest) for i in range(shape[0]) for rest in _indices(shape[1:])]


def test_layers_match_torch(torch):
    torch.manual_seed(0)
    nn = torch.nn
    theirs = nn.Sequential(nn.LayerNorm(3), nn.Linear(3, 4), nn.ReLU(), nn.RMSNorm(4),
                           nn.Linear(4, 2)).double()
    with torch.no_grad():
        theirs[0].weight.uniform_(0.5, 1.5)
        theirs[0].bias.uniform_(-0.5, 0.5)
        theirs[3].weight.uniform_(0.5, 1.5)
    ours = Sequential(LayerNorm(3), Linear(3, 4), ReLU(), RMSNorm(4), Linear(4, 2))
    to_ours(theirs, ours)
    x = [[0.3, -1.2, 2.5], [1.0, 0.5, -0.25]]
    out = ours(x)
    total = sum((v * (i + 1) for i, v in enumerate(o for row in out for o in row)), Value(0.0))
    total.backward()
    tout = theirs(torch.tensor(x, dtype=torch.float64))
    (tout.reshape(-1) * torch.arange(1, 5, dtype=torch.float64)).sum().backward()
    for row, trow in zip(out, tout.tolist()):
        for v, t in zip(row, trow):
            assert math.isclose(v.data, t, rel_tol=1e-12)
    grads = dict(ours.named_parameters())
    for name, t in theirs.named_parameters():
        for idx, g in zip(_indices(list(t.shape)), t.grad.reshape(-1).tolist()):
            assert math.isclose(grads[".".join([name, *map(str, idx)])].grad, g,
                                rel_tol=1e-12, abs_tol=1e-14), name


def test_layer_initialisation_follows_torch_laws():
    lin = Linear(16, 8, seed=0)
    bound = 1 / math.sqrt(16)
    assert all(-bound <= p.data <= bound for p in lin.parameters())
    emb = Embedding(100, 10, seed=0)
    xs = [p.data for p in emb.parameters()]
    mean = sum(xs) / len(xs)
    assert abs(mean) < 0.1 and 0.9 < (sum((x - mean) ** 2 for x in xs) / len(xs)) ** 0.5 < 1.1
    assert [p.data for p in LayerNorm(2).parameters()] == [1.0, 1.0, 0.0, 0.0]
    assert [p.data for p in Linear(3, 2, seed=5).parameters()] == \
        [p.data for p in Linear(3, 2, seed=5).parameters()]
    with pytest.raises(ValueError, match="Linear in_features must be a positive int"):
        Linear(0, 2)
