"""Review 1's findings in models: resuming from a checkpoint of another configuration or
a damaged one, a nan loss, --val out of range; each test failed before the fix."""

import copy
import json

import pytest

from autograd_mini.__main__ import main
from autograd_mini.models import GPT, Vocabulary, load_names
from autograd_mini.models.trainer import Trainer

ARGS = ["names", "--steps", "2", "--val", "5", "--samples", "0", "--no-progress",
        "--plot", ""]


# Resuming with another --n-embd (or --model) crashed with a StateDictError traceback
# listing thousands of parameter names: the configuration was compared after loading.
def test_resume_with_another_configuration_is_refused_before_loading(tmp_path, capsys):
    ck = str(tmp_path / "run.json")
    assert main([*ARGS, "--checkpoint", ck]) == 0
    with pytest.raises(SystemExit, match="saved by another configuration"):
        main([*ARGS, "--checkpoint", ck, "--n-embd", "8"])
    with pytest.raises(SystemExit, match="saved by another configuration"):
        main([*ARGS, "--checkpoint", ck, "--model", "mlp"])


# A checkpoint edited by hand gave a traceback (and the model loaded before the error).
def test_a_damaged_checkpoint_is_a_message_not_a_traceback(tmp_path, capsys):
    ck = tmp_path / "run.json"
    assert main([*ARGS, "--checkpoint", str(ck)]) == 0
    data = json.loads(ck.read_text())
    data["data"]["trainer"]["optimizer"]["state"]["0"]["step"] = -2.0
    ck.write_text(json.dumps(data))
    with pytest.raises(SystemExit, match="not a trainer checkpoint.*'step'"):
        main([*ARGS, "--checkpoint", str(ck)])


def test_a_failed_load_leaves_the_trainer_as_it_was():
    names = load_names()[:50]
    vocab = Vocabulary(names)
    trainer = Trainer(GPT(len(vocab), block_size=12, n_embd=8, n_head=2, seed=1), names,
                      vocab, steps=3)
    trainer.step()
    good = trainer.state_dict()
    bad = copy.deepcopy(good)
    bad["scheduler"]["gamma_typo"] = 1.0                # the model and optimizer load first
    for p in trainer.model.parameters():
        p.data += 1.0
    changed = trainer.state_dict()
    with pytest.raises(ValueError):
        trainer.load_state_dict(bad)
    assert trainer.state_dict() == changed


# --val larger than the data set: a ValueError traceback from split().
def test_val_out_of_range_is_a_message(capsys):
    assert main(["names", "--val", "100000", "--steps", "1", "--no-progress"]) == 1
    assert "at most 5162" in capsys.readouterr().err


# A nan loss raised only after optimizer.step() had already written nan into every weight.
def test_a_nan_loss_leaves_the_weights_unchanged():
    names = load_names()[:50]
    vocab = Vocabulary(names)
    model = GPT(len(vocab), block_size=12, n_embd=8, n_head=2, seed=1)
    trainer = Trainer(model, names, vocab, steps=3)
    model.wte.weight[0][0].data = float("nan")
    before = [p.data for p in model.parameters()]
    with pytest.raises(FloatingPointError, match="unchanged"):
        trainer.step()
    after = [p.data for p in model.parameters()]
    assert [repr(x) for x in after] == [repr(x) for x in before]
