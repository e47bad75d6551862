"""nn: Neuron / Layer / MLP, micrograd compatibility, labels, shared parameters."""

import math
import random

import pytest

from autograd_mini import Value, gradcheck
from autograd_mini.nn import MLP, Layer, Module, Neuron


# ---------------------------------------------------------------- the neuron's formula
@pytest.mark.parametrize("activation, g", [
    ("relu", lambda z: max(z, 0.0)),
    ("tanh", math.tanh),
    ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
    ("linear", lambda z: z),
    (None, lambda z: z),
])
def test_neuron_computes_g_of_w_dot_x_plus_b(activation, g):
    n = Neuron(3, activation=activation, seed=1)
    n.b.data = 0.25
    x = [0.5, -1.5, 2.0]
    z = 0.25 + sum(w.data * xi for w, xi in zip(n.w, x))
    assert n(x).data == pytest.approx(g(z), rel=1e-15)


def test_neuron_gradients_are_inputs_times_local_derivative():
    n = Neuron(2, activation="tanh", seed=3)
    x = [Value(0.3), Value(-0.7)]
    out = n(x)
    out.backward()
    dz = 1.0 - out.data ** 2                        # tanh' = 1 - a^2
    assert n.b.grad == pytest.approx(dz, rel=1e-15)
    for w, xi in zip(n.w, x):
        assert w.grad == pytest.approx(xi.data * dz, rel=1e-15)
        assert xi.grad == pytest.approx(w.data * dz, rel=1e-15)


def test_a_neuron_is_one_weighted_sum_node_then_its_activation():
    """net = b + sum_k w_k x_k is one "wsum" node (parents w, x, b), as the textbook draws
    a neuron; its number is micrograd's sum(w*x, b) to the bit."""
    from autograd_mini import topological_order
    n = Neuron(4, seed=0)
    xs = [1.0, 2.0, 3.0, 4.0]
    out = n(xs)
    ops = [v.op for v in topological_order(out) if v.op]
    assert ops == ["wsum", "relu"]
    net = out.parents[0]
    assert net.parents[:4] == tuple(n.w) and net.parents[-1] is n.b
    assert [x.data for x in net.parents[4:8]] == xs
    assert net.local_grads == (*xs, *[w.data for w in n.w], 1.0)
    expected = n.b.data
    for w, x in zip(n.w, xs):
        expected = expected + w.data * x
    assert net.data == expected
    out.backward()
    assert [w.grad for w in n.w] == ([x for x in xs] if net.data > 0 else [0.0] * 4)


def test_neuron_without_bias():
    n = Neuron(2, activation="linear", bias=False, seed=2)
    assert n.b is None and len(n.parameters()) == 2
    assert n([1.0, 1.0]).data == n.w[0].data + n.w[1].data


def test_gradcheck_through_an_mlp():
    model = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=4)
    for p in model.parameters()[::3]:
        p.data += 0.1                               # nonzero biases
    x = [Value(0.4), Value(-0.9)]

    def f(*params_and_x):
        outs = model(list(params_and_x[-2:]))
        return outs[0] * outs[1]

    # check gradients with respect to the inputs and (by making them inputs) the weights
    assert gradcheck(f, model.parameters() + x)


# ---------------------------------------------------------------- labels and names
def test_parameter_labels_and_named_parameters():
    model = MLP(2, [3, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b"]
    assert names[-1] == "L1.N0.b"
    assert len(names) == 3 * 3 + 4 == len(set(names))
    for name, p in model.named_parameters():
        assert p.label == name
    assert [p.label for p in model.parameters()] == names


def test_neuron_and_layer_labels_with_user_names():
    n = Neuron(2, name="h1", seed=0)
    assert [p.label for p in n.parameters()] == ["h1.w0", "h1.w1", "h1.b"]
    layer = Layer(2, 2, name="hidden", seed=0)
    assert [p.label for p in layer.parameters()][:3] == ["hidden.N0.w0", "hidden.N0.w1",
                                                         "hidden.N0.b"]
    assert [n for n, _ in layer.named_parameters()][3] == "N1.w0"


def test_zero_grad():
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())


# ---------------------------------------------------------------- init and defaults
def test_seed_is_deterministic_and_rng_works():
    a, b = MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = MLP(3, [4, 2], rng=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in c.parameters()]
    assert [p.data for p in MLP(3, [4, 2], seed=8).parameters()] != \
        [p.data for p in a.parameters()]
    ws = [p.data for p in a.parameters() if p.label.split(".")[-1].startswith("w")]
    assert all(-1.0 <= w <= 1.0 for w in ws)
    assert all(n.b.data == 0.0 for layer in a.layers for n in layer.neurons)


def test_defaults_match_micrograd():
    model = MLP(2, [16, 16, 1])
    assert model.activations == ["relu", "relu", "linear"]
    assert len(model.parameters()) == 337
    assert model.nin == 2 and model.nouts == [16, 16, 1]


def test_output_activation_and_hidden_activation():
    model = MLP(2, [3, 3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert model.activations == ["tanh", "tanh", "sigmoid"]
    out = model([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 2
    assert all(0.0 < o.data < 1.0 for o in out)


def test_reprs_mirror_micrograd():
    model = MLP(2, [2, 1], seed=0)
    assert repr(model) == ("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], "
                           "Layer of [LinearNeuron(2)]]")
    assert repr(Neuron(3, "sigmoid", seed=0)) == "SigmoidNeuron(3)"
    assert repr(Neuron(3, "tanh", seed=0)) == "TanhNeuron(3)"


@pytest.mark.parametrize("call, match", [
    (lambda: Neuron(2, activation="softmax"), "unknown activation 'softmax'"),
    (lambda: Neuron(0), "Neuron nin must be a positive int, got 0"),
    (lambda: Layer(2, 0), "Layer nout must be a positive int, got 0"),
    (lambda: MLP(2, []), "at least one layer size"),
    (lambda: MLP(2, [3, 2.5]), "MLP layer size must be a positive int, got 2.5"),
    (lambda: MLP(2, [3], seed=1, rng=random.Random(1)), "either seed or rng"),
])
def test_bad_construction(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_nouts_must_be_a_list():
    with pytest.raises(TypeError, match=r"nouts must be a list of layer sizes, e.g. \[16, 16, 1\]"):
        MLP(2, 3)


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) expects 2 inputs, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])


def test_single_number_input():
    model = MLP(1, [2, 1], seed=0)
    assert model(0.5).data == model([0.5]).data
    assert Layer(1, 2, seed=0)(Value(0.5))[0].data == Layer(1, 2, seed=0)([0.5])[0].data


def test_one_neuron_hidden_layer_works():
    # micrograd's MLP breaks on a 1-neuron hidden layer (the layer returns a bare Value)
    model = MLP(2, [1, 2], seed=0)
    assert len(model([0.3, 0.4])) == 2


# ---------------------------------------------------------------- micrograd compatibility
@pytest.mark.micrograd
def test_micrograd_demo_runs_and_matches_micrograd():
    """micrograd's demo, imports changed: same weights from random.seed, same training."""
    from micrograd import nn as mg_nn

    from autograd_mini import nn as am_nn
    from builders import demo_loss

    def demo(nn):
        random.seed(1337)
        model = nn.MLP(2, [4, 4, 1])
        X = [[0.5, -0.2], [-1.0, 0.3], [0.1, 0.9], [0.7, 0.7]]
        y = [1, -1, -1, 1]
        losses = []
        for k in range(3):
            total = demo_loss(model, X, y, model.parameters())
            model.zero_grad()
            total.backward()
            lr = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= lr * p.grad
            losses.append(total.data)
        return losses, [p.data for p in model.parameters()]

    (ours, our_params), (theirs, their_params) = demo(am_nn), demo(mg_nn)
    assert ours[0] == theirs[0]                     # same weights, same forward pass
    # micrograd adds a node's gradient contributions in another order: last bits may differ
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert our_params == pytest.approx(their_params, rel=1e-12, abs=1e-14)


def test_micrograd_style_constructors():
    n = Neuron(3, nonlin=False, seed=0)
    assert n.activation == "linear" and not n.nonlin
    assert Neuron(3, False, seed=0).activation == "linear"    # positional, as micrograd
    layer = Layer(3, 2, nonlin=False, seed=0)
    assert all(not n.nonlin for n in layer.neurons)
    assert Layer(3, 1, seed=0)([1.0, 2.0, 3.0]).__class__ is Value


def test_module_base_class():
    class Affine(Module):
        def __init__(self):
            self.a, self.b = Value(2.0, "a"), Value(1.0, "b")

        def named_parameters(self):
            return [("a", self.a), ("b", self.b)]

    m = Affine()
    assert m.parameters() == [m.a, m.b]
    assert m.state_dict() == {"a": 2.0, "b": 1.0}
    m.load_state_dict({"a": 3.0, "b": -1.0})
    assert (m.a.data, m.b.data) == (3.0, -1.0)
    with pytest.raises(KeyError, match=r"missing \['b'\], unexpected \['c'\]"):
        m.load_state_dict({"a": 3.0, "c": 1.0})
    assert Module().parameters() == []


def test_micrograd_demo_notebook_code_runs_with_numpy_data():
    """demo.ipynb's own loss() code (numpy arrays, Values from numpy floats), imports changed:
    it prints micrograd's numbers (step 0: loss 0.8958441028683222, 50%; step 1: 81%)."""
    np = pytest.importorskip("numpy")
    from builders import demo_loss, sklearn_moons_numpy
    np.random.seed(1337)
    random.seed(1337)
    X, y = sklearn_moons_numpy(100, 0.1)
    X, y = np.array(X), np.array(y)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337

    def loss():
        total = demo_loss(model, X, y, model.parameters(), value=Value)
        accuracy = [(yi > 0) == (model(list(xrow)).data > 0) for yi, xrow in zip(y, X)]
        return total, sum(accuracy) / len(accuracy)

    trace = []
    for k in range(2):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        trace.append((total_loss.data, acc))
    assert trace[0] == (0.8958441028683222, 0.5)
    assert trace[1][0] == pytest.approx(1.723590533697202, rel=1e-12) and trace[1][1] == 0.81


@pytest.mark.parametrize("nouts", [[1], [3, 1]])
def test_unknown_activation_is_an_error_for_any_depth(nouts):
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        MLP(2, nouts, activation="gelu")


# ---------------------------------------------------------------- shared parameters
def test_a_shared_parameter_is_listed_once_and_stepped_once():
    from autograd_mini.optim import SGD
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    hidden = model.layers[0].neurons
    shared = Value(0.1, "b_hidden")
    for n in hidden:
        n.b = shared                                # one bias for the whole hidden layer
    names = [name for name, _ in model.named_parameters()]
    assert names == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0", "L0.N1.w1", "L0.N2.w0",
                     "L0.N2.w1", "L1.N0.w0", "L1.N0.w1", "L1.N0.w2", "L1.N0.b"]
    assert len(model.parameters()) == 11 and model.parameters()[2] is shared
    assert [n for n, _ in model.layers[0].named_parameters()][2:4] == ["N0.b", "N1.w0"]
    x = [0.3, -0.8]
    model(x).backward()
    a = [n.b.data + sum(w.data * xi for w, xi in zip(n.w, x)) for n in hidden]
    v = model.layers[1].neurons[0].w
    expected = sum(vj.data * (1 - math.tanh(aj) ** 2) for vj, aj in zip(v, a))
    assert shared.grad == pytest.approx(expected, rel=1e-14)  # the sum over the 3 neurons
    SGD(model.parameters(), lr=0.5).step()
    assert shared.data == 0.1 - 0.5 * shared.grad               # one step, not three


def test_parameters_are_named_parameters_values_each_once():
    """Neuron, Layer and MLP list their parameters without building names (zero_grad
    walks them every step): the same Values in the same order, a shared one once, and a
    subclass that names its own parameters has parameters() follow it."""
    m = MLP(2, [3, 1], seed=0)
    layer = m.layers[0]
    layer.neurons[1].w[0] = layer.neurons[0].w[0]            # shared by two neurons
    no_bias = Neuron(2, bias=False, seed=1)
    for module in (m, layer, layer.neurons[0], no_bias):
        assert module.parameters() == [p for _, p in module.named_parameters()]
    assert len(m.parameters()) == 3 * 3 + 4 - 1

    class Scaled(Neuron):
        def __init__(self, nin):
            super().__init__(nin, seed=2)
            self.scale = Value(2.0)

        def named_parameters(self):
            return [*super().named_parameters(), ("scale", self.scale)]
    s = Scaled(2)
    assert s.parameters()[-1] is s.scale and len(s.parameters()) == 4


def test_parameters_give_way_to_a_child_that_lists_its_own():
    """A neuron or layer class that redefines parameters() or named_parameters(): the
    fast MLP/Layer.parameters() gives way to named_parameters(), as torch's parameters()."""
    class FrozenBias(Neuron):
        def parameters(self):
            return list(self.w)
    m = MLP(2, [2, 1], seed=0)
    for layer in m.layers:
        for n in layer.neurons:
            n.__class__ = FrozenBias
    assert m.parameters() == [p for _, p in m.named_parameters()] and len(m.parameters()) == 9

    class Empty(Layer):
        def parameters(self):
            return []
    m2 = MLP(2, [2, 1], seed=0)
    m2.layers[0].__class__ = Empty
    assert m2.parameters() == [p for _, p in m2.named_parameters()] and len(m2.parameters()) == 9
