"""The engine's rows of the PyTorch parity table (issue 19), each against torch 2.13 in
float64: backward(retain_graph=), set_grad_enabled, grad(grad_outputs=, allow_unused=,
create_graph=), register_hook, jacobian, hessian, gradgradcheck."""

import math
import threading

import pytest

from autograd_mini import (
    GradcheckError,
    Value,
    grad,
    gradgradcheck,
    hessian,
    is_grad_enabled,
    jacobian,
    op,
    set_grad_enabled,
)

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.torch


def t(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def micrograd_graph(a, b):
    """micrograd's README example, on Values or 0-d tensors alike."""
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return dict(a=a, b=b, c=c, d=d, e=e, f=f, g=g)


# ---------------------------------------------------------------- backward(retain_graph=)
@needs_torch
def test_a_second_backward_adds_as_torch_does_with_retain_graph():
    x, tx = Value(0.3), t(0.3)
    y, ty = (x * x).tanh(), torch.tanh(tx * tx)
    y.backward(retain_graph=True)
    y.backward()
    ty.backward(retain_graph=True)
    ty.backward()
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-15)
    tz = torch.tanh(tx * tx)                        # without retain_graph torch frees the
    tz.backward()                                   # graph: a second backward is an error
    with pytest.raises(RuntimeError):
        tz.backward()
    x.grad = 0.0                                    # here the graph is always kept (the
    z = (x * x).tanh()                              # difference is in the docs): it adds
    z.backward()
    once = x.grad
    z.backward()
    assert x.grad == 2 * once


# ---------------------------------------------------------------- set_grad_enabled
def test_set_grad_enabled_as_a_function_a_context_and_a_decorator():
    x = Value(1.0)
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled() and (x * 2).parents == ()
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()
    with set_grad_enabled(False):
        assert (x * 2).parents == ()
        with set_grad_enabled(True):
            assert (x * 2).parents == (x,)
        assert not is_grad_enabled()
    assert is_grad_enabled()

    @set_grad_enabled(False)
    def frozen():
        return x * 2
    assert is_grad_enabled()                        # decorating switched nothing
    assert frozen().parents == () and is_grad_enabled()
    with pytest.raises(TypeError, match="True or False"):
        set_grad_enabled("no")


def test_set_grad_enabled_is_per_thread():
    seen = []

    def other():
        seen.append(is_grad_enabled())
    with set_grad_enabled(False):
        th = threading.Thread(target=other)
        th.start()
        th.join()
    assert seen == [True]


@needs_torch
def test_set_grad_enabled_matches_torch():
    for mode in (False, True):
        with torch.set_grad_enabled(mode), set_grad_enabled(mode):
            assert torch.is_grad_enabled() == is_grad_enabled() == mode
            assert bool((t(1.0) * 2).requires_grad) == bool((Value(1.0) * 2).parents)


# ---------------------------------------------------------------- grad()
@needs_torch
def test_grad_with_several_outputs_and_grad_outputs_matches_torch():
    a, b = Value(0.4), Value(-1.3)
    ta, tb = t(0.4), t(-1.3)
    ys = [(a * b).sin(), a.exp() + b * b]
    tys = [torch.sin(ta * tb), torch.exp(ta) + tb * tb]
    ga, gb = grad(ys, [a, b], grad_outputs=[2.0, -0.5])
    seeds = [torch.tensor(2.0, dtype=torch.float64), torch.tensor(-0.5, dtype=torch.float64)]
    tga, tgb = torch.autograd.grad(tys, [ta, tb], grad_outputs=seeds)
    assert (ga.data, gb.data) == pytest.approx((tga.item(), tgb.item()), rel=1e-14)


@needs_torch
def test_grad_of_an_unused_input_is_an_error_or_none_as_in_torch():
    x, u = Value(1.0), Value(2.0)
    tx, tu = t(1.0), t(2.0)
    with pytest.raises(RuntimeError):
        torch.autograd.grad(tx * 3, [tx, tu])
    with pytest.raises(RuntimeError, match="not part of the graph"):
        grad(x * 3, [x, u])
    ours = grad(x * 3, [x, u], allow_unused=True)
    theirs = torch.autograd.grad(tx * 3, [tx, tu], allow_unused=True)
    assert ours[1] is None and theirs[1] is None and ours[0].data == theirs[0].item()
    ours = grad(x * 3, [x, u], materialize_grads=True)
    theirs = torch.autograd.grad(tx * 3, [tx, tu], materialize_grads=True)
    assert [g.data for g in ours] == [g.item() for g in theirs] == [3.0, 0.0]


# ---------------------------------------------------------------- register_hook
def hook_calls(graph, backward):
    calls = []
    for name, v in graph.items():
        v.register_hook(lambda g, name=name: calls.append((name, float(g))))
    backward(graph["g"])
    return calls


@needs_torch
def test_hooks_get_the_same_gradients_in_the_same_order_as_torch():
    ours = hook_calls(micrograd_graph(Value(-4.0), Value(2.0)), lambda g: g.backward())
    theirs = hook_calls(micrograd_graph(t(-4.0), t(2.0)), lambda g: g.backward())
    assert [n for n, _ in ours] == [n for n, _ in theirs] == ["g", "f", "e", "d", "c", "a", "b"]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-14)


@needs_torch
def test_a_hook_that_returns_a_number_replaces_the_gradient_as_in_torch():
    x, tx = Value(0.5), t(0.5)
    h, th = x * 3, tx * 3
    h.register_hook(lambda g: g * 10)
    th.register_hook(lambda g: g * 10)
    (h * h).backward()
    (th * th).backward()
    assert x.grad == tx.grad.item() == 90.0          # dy/dh = 2h = 3, hooked to 30, times 3


def test_a_removed_hook_is_not_called_and_grad_sees_hooks_too():
    x = Value(2.0)
    calls = []
    handle = x.register_hook(calls.append)
    (x * x).backward()
    handle.remove()
    (x * x).backward()
    assert calls == [4.0]
    y = Value(1.0)
    y.register_hook(lambda g: g + 1)
    assert grad(y * 5, y).data == 6.0
    with pytest.raises(TypeError, match="callable"):
        y.register_hook("print")


# ---------------------------------------------------------------- jacobian, hessian
@needs_torch
def test_jacobian_and_hessian_match_torch_functional():
    from torch.autograd.functional import hessian as thessian
    from torch.autograd.functional import jacobian as tjacobian

    def f(a, b, lib=None):
        tanh = torch.tanh if lib == "torch" else Value.tanh
        return (a * b + b ** 3, tanh(a - b) * a)

    def s(a, b, lib=None):
        exp = torch.exp if lib == "torch" else Value.exp
        return exp(a * b) + a ** 3 * b

    J = jacobian(f, [Value(0.3), Value(-0.8)])
    TJ = tjacobian(lambda a, b: f(a, b, "torch"), (t(0.3), t(-0.8)))
    assert [x.data for row in J for x in row] == pytest.approx(
        [x.item() for row in TJ for x in row], rel=1e-14)
    H = hessian(s, [Value(0.3), Value(-0.8)])
    TH = thessian(lambda a, b: s(a, b, "torch"), (t(0.3), t(-0.8)))
    assert [x.data for row in H for x in row] == pytest.approx(
        [x.item() for row in TH for x in row], rel=1e-14)
    one = jacobian(Value.tanh, Value(0.2))                       # one in, one out: a Value
    assert one.data == pytest.approx(1 - math.tanh(0.2) ** 2, rel=1e-15)
    assert hessian(lambda x: x ** 3, Value(2.0)).data == 12.0
    assert hessian(lambda x, y: x * y, [Value(1.0), Value(2.0)])[0][0].data == 0.0


# ---------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_catches_a_wrong_second_derivative():
    @op(lambda x: 3.0 * x * x)
    def cube(x):
        return x ** 3
    assert gradgradcheck(cube, [Value(0.7)])

    @op(lambda x: 2.0)                 # a wrong derivative (of x^2: 2x) ...
    def square(x):
        return x * x

    @op(lambda x: 3.0 * square(x))      # ... inside a right one: first order right,
    def bad(x):                         # second order 6, not 6x
        return x ** 3
    assert gradgradcheck(lambda x: x ** 3, [Value(0.7)])
    assert not gradgradcheck(bad, [Value(0.7)], raise_exception=False)
    with pytest.raises(GradcheckError, match="gradcheck failed"):
        gradgradcheck(bad, [Value(0.7)])


def random_graph(lib_value, seed, n_leaves=3, n_ops=12):
    """A random graph of + * tanh exp sin and constants over a few leaves, built the same
    way on Values or 0-d tensors: {name: node}, its last node the output."""
    import random
    rnd = random.Random(seed)
    nodes = {f"x{i}": lib_value(rnd.uniform(-1.5, 1.5)) for i in range(n_leaves)}
    for k in range(n_ops):
        names = list(nodes)
        a, b = nodes[rnd.choice(names)], nodes[rnd.choice(names)]
        kind = rnd.randrange(6)
        c = rnd.uniform(-1, 1)
        nodes[f"n{k}"] = (a + b if kind == 0 else a * b if kind == 1 else a.tanh() if kind == 2
                          else (a * 0.3).exp() if kind == 3 else a.sin() if kind == 4
                          else a * c + b)
    return nodes


def hooked_run(nodes, run):
    calls = []
    for name, v in nodes.items():
        v.register_hook(lambda g, name=name: calls.append(
            (name, float(g.detach() if hasattr(g, "detach") else g))))
    run(nodes)
    return calls


@needs_torch
@pytest.mark.parametrize("seed", range(25))
def test_hooks_on_random_graphs_see_torchs_gradients_once_each(seed):
    """Every hooked node reached is called once, with torch's gradient (1e-12), in
    backward(), grad() and backward(inputs=): the inputs' leaves only, each leaf once its
    gradient is complete (after every consumer's hook), as torch."""
    out = "n11"
    runs = {
        "backward": (lambda ns: ns[out].backward(),
                     lambda ns: ns[out].backward()),
        "grad": (lambda ns: grad(ns[out], [ns["x0"], ns["x2"]]),
                 lambda ns: torch.autograd.grad(ns[out], [ns["x0"], ns["x2"]],
                                                allow_unused=True)),
        "create_graph": (lambda ns: grad(ns[out], [ns["x1"]], create_graph=True,
                                         allow_unused=True),
                         lambda ns: torch.autograd.grad(ns[out], [ns["x1"]],
                                                        create_graph=True, allow_unused=True)),
        "inputs": (lambda ns: ns[out].backward(inputs=[ns["x2"]]),
                   lambda ns: ns[out].backward(inputs=[ns["x2"]])),
    }
    for what, (ours_run, theirs_run) in runs.items():
        ours_nodes = random_graph(Value, seed)
        theirs_nodes = random_graph(t, seed)
        try:
            ours = hooked_run(ours_nodes, ours_run)
        except RuntimeError as e:                       # an input the output does not use
            assert "not part of the graph" in str(e)
            continue
        theirs = hooked_run(theirs_nodes, theirs_run)
        assert sorted(n for n, _ in ours) == sorted(n for n, _ in theirs), what
        assert len({n for n, _ in ours}) == len(ours), what            # once each
        mine = dict(ours)
        for name, g in theirs:
            assert mine[name] == pytest.approx(g, rel=1e-12, abs=1e-300), (what, name)
        position = {n: i for i, (n, _) in enumerate(ours)}
        names = {id(u): k for k, u in ours_nodes.items()}
        for name, v in ours_nodes.items():                 # a consumer's hook comes first
            for p in v.parents:
                pname = names.get(id(p))
                if name in position and pname in position and not p.parents:
                    assert position[name] < position[pname], (what, name, pname)


@needs_torch
@pytest.mark.parametrize("seed", [2.0, 2, None])
def test_backward_takes_the_gradient_as_torch_does(seed):
    """A number, a Value (torch: a 0-d tensor) or None (1) as the seed of backward()."""
    x, as_value, tx = Value(3.0), Value(3.0), t(3.0)
    (x * x).backward(seed)
    (as_value * as_value).backward(None if seed is None else Value(float(seed)))
    (tx * tx).backward(None if seed is None else torch.tensor(float(seed),
                                                              dtype=torch.float64))
    assert x.grad == as_value.grad == tx.grad.item() == 6.0 * (seed or 1)
