"""The names language models: the GPT and the MLP model against the same networks written
in torch (float64, the same weights): loss and every parameter's gradient to 1e-12;
exact resume; an interrupted save loses nothing; sampling is seeded."""

import math
import random

import pytest

from autograd_mini.models import GPT, MLPLanguageModel, Trainer, Vocabulary, load_names, sample
from autograd_mini.models import trainer as trainer_module
from autograd_mini.models.trainer import evaluate, sequence_loss
from autograd_mini.util import fileio, serialization

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia"]


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary(load_names())


def tensors(torch, model):
    """Each parameter of ``model`` as a float64 torch tensor of torch's shape, by name."""
    out = {}
    for name, p in model.named_parameters():
        parts = name.split(".")
        idx = []
        while parts[-1].isdigit():
            idx.insert(0, int(parts.pop()))
        out.setdefault(".".join(parts), {})[tuple(idx)] = p.data
    result = {}
    for key, entries in out.items():
        shape = [max(i[d] for i in entries) + 1 for d in range(len(next(iter(entries))))]
        t = torch.zeros(shape, dtype=torch.float64)
        for i, x in entries.items():
            t[i] = x
        result[key] = t.requires_grad_()
    return result


def torch_gpt_loss(torch, W, tokens, n_head):
    """The same GPT in torch, written from the formulas of models/gpt.py."""
    tf = torch.nn.functional
    x_in, y = torch.tensor(tokens[:-1]), torch.tensor(tokens[1:])
    T = len(x_in)
    x = W["wte.weight"][x_in] + W["wpe.weight"][:T]
    eps = 2.220446049250313e-16

    def norm(z, w):
        return tf.rms_norm(z, [z.shape[-1]], w, eps)
    h = norm(x, W["blocks.0.norm1.weight"])
    heads = []
    for i in range(n_head):
        p = f"blocks.0.attn.heads.{i}."
        q, k, v = (h @ W[p + m + ".weight"].T for m in ("query", "key", "value"))
        heads.append(tf.scaled_dot_product_attention(q, k, v, is_causal=True))
    a = torch.cat(heads, -1) @ W["blocks.0.attn.proj.weight"].T + W["blocks.0.attn.proj.bias"]
    x = x + a
    h = norm(x, W["blocks.0.norm2.weight"])
    h = torch.relu(h @ W["blocks.0.mlp.fc.weight"].T + W["blocks.0.mlp.fc.bias"])
    x = x + h @ W["blocks.0.mlp.proj.weight"].T + W["blocks.0.mlp.proj.bias"]
    logits = norm(x, W["norm_f.weight"]) @ W["head.weight"].T
    return tf.cross_entropy(logits, y)


def torch_mlp_loss(torch, W, tokens, block_size):
    padded = [0] * block_size + tokens[:-1]
    ctx = torch.tensor([padded[t + 1:t + 1 + block_size] for t in range(len(tokens) - 1)])
    x = W["wte.weight"][ctx].reshape(len(ctx), -1)
    h = torch.tanh(x @ W["hidden.weight"].T + W["hidden.bias"])
    logits = h @ W["head.weight"].T + W["head.bias"]
    return torch.nn.functional.cross_entropy(logits, torch.tensor(tokens[1:]))


@pytest.mark.parametrize("kind", ["gpt", "mlp"])
def test_loss_and_every_gradient_match_torch(torch, vocab, kind):
    model = GPT(len(vocab), block_size=12, n_embd=8, n_head=2, seed=3) if kind == "gpt" \
        else MLPLanguageModel(len(vocab), n_embd=4, n_hidden=16, seed=3)
    tokens = vocab.encode("isabella")
    loss, _ = sequence_loss(model, [tokens])
    loss.backward()
    W = tensors(torch, model)
    tloss = torch_gpt_loss(torch, W, tokens, 2) if kind == "gpt" else \
        torch_mlp_loss(torch, W, tokens, 3)
    tloss.backward()
    assert math.isclose(loss.data, tloss.item(), rel_tol=1e-12)
    grads = tensors(torch, model)                    # same layout, from .grad
    for name, p in model.named_parameters():
        parts = name.split(".")
        idx = []
        while parts[-1].isdigit():
            idx.insert(0, int(parts.pop()))
        expected = W[".".join(parts)].grad[tuple(idx)].item()
        assert math.isclose(p.grad, expected, rel_tol=1e-10, abs_tol=1e-13), name
    assert grads                                     # the layout helper saw parameters


def make_trainer(vocab, kind="gpt", steps=12):
    model = GPT(len(vocab), block_size=12, n_embd=8, n_head=2, seed=1) if kind == "gpt" \
        else MLPLanguageModel(len(vocab), n_embd=4, n_hidden=16, seed=1)
    return Trainer(model, NAMES, vocab, steps=steps, lr=0.02, batch_size=2, seed=5)


def numbers(trainer):
    return ([p.data for p in trainer.model.parameters()], trainer.losses, trainer.lrs)


@pytest.mark.parametrize("kind", ["gpt", "mlp"])
def test_resume_is_bit_for_bit(vocab, kind, tmp_path):
    straight = make_trainer(vocab, kind)
    straight.run(progress=False)
    first = make_trainer(vocab, kind)
    for _ in range(5):
        first.step()
    first.save(tmp_path / "ckpt.json")
    resumed = make_trainer(vocab, kind)              # fresh objects, other random state
    resumed.load(tmp_path / "ckpt.json")
    assert resumed.step_count == 5
    resumed.run(progress=False)
    assert numbers(resumed) == numbers(straight)     # ==: every float bit for bit
    assert evaluate(resumed.model, NAMES, vocab) == evaluate(straight.model, NAMES, vocab)


def test_checkpointing_while_running_then_resuming(vocab, tmp_path):
    path = tmp_path / "run.json"
    straight = make_trainer(vocab, steps=9)
    straight.run(progress=False)
    interrupted = make_trainer(vocab, steps=9)
    with pytest.raises(KeyboardInterrupt):
        original = interrupted.step

        def step():
            if interrupted.step_count == 7:
                raise KeyboardInterrupt
            return original()
        interrupted.step = step
        interrupted.run(progress=False, checkpoint=path, every=3)
    assert serialization.load(path)["trainer"]["step"] == 6     # the last save
    again = make_trainer(vocab, steps=9)
    again.load(path)
    again.run(progress=False)
    assert numbers(again) == numbers(straight)


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_interrupted_save_keeps_the_previous_checkpoint(vocab, tmp_path, monkeypatch, where):
    path = tmp_path / "ckpt.json"
    t = make_trainer(vocab)
    t.step()
    t.save(path)
    good = path.read_bytes()
    t.step()

    def interrupt(*args):
        raise KeyboardInterrupt
    target = {"write": (fileio, "_write_all"), "fsync": (fileio.os, "fsync"),
              "replace": (fileio.os, "replace")}[where]
    monkeypatch.setattr(*target, interrupt)
    with pytest.raises(KeyboardInterrupt):
        t.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good                 # the previous checkpoint, whole
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.json"]    # no temporary left
    fresh = make_trainer(vocab)
    fresh.load(path)
    assert fresh.step_count == 1


def test_damaged_checkpoint_is_a_clear_error(tmp_path, vocab):
    path = tmp_path / "ckpt.json"
    path.write_text('{"format": "autograd_mini.state", "version": 1, "data": {"tra')
    with pytest.raises(ValueError, match="not valid JSON"):
        make_trainer(vocab).load(path)
    with pytest.raises(ValueError, match="JSON has no NaN or inf"):
        serialization.save({"x": [1.0, float("nan")]}, tmp_path / "nan.json")
    assert not (tmp_path / "nan.json").exists()


def test_sampling_is_seeded_and_names_end(vocab):
    model = GPT(len(vocab), block_size=12, n_embd=8, n_head=2, seed=1)
    a = sample(model, vocab, random.Random(4), 5)
    assert a == sample(model, vocab, random.Random(4), 5)
    assert all(0 < len(n) <= 11 for n in a)          # block_size 12: at most 11 characters
    mlp = MLPLanguageModel(len(vocab), seed=1)
    assert max(len(n) for n in sample(mlp, vocab, random.Random(0), 20)) > 3   # not 3-capped


def test_training_lowers_the_loss(vocab):
    t = make_trainer(vocab, steps=40)
    before = evaluate(t.model, NAMES, vocab)
    t.run(progress=False)
    assert evaluate(t.model, NAMES, vocab) < before - 0.5
    assert t.lrs[0] == 0.02 and t.lrs[-1] < 0.001    # the cosine decay


def test_trainer_checks(vocab):
    with pytest.raises(ValueError, match="at least one name"):
        Trainer(GPT(len(vocab)), [], vocab)
    with pytest.raises(ValueError, match="a character the vocabulary lacks"):
        vocab.encode("zoë")
    assert trainer_module.sequence_loss is sequence_loss
