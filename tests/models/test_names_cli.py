"""``python -m autograd_mini names``: trains, plots, samples, draws one token's graph,
resumes from its checkpoint; seeded, so two runs print the same numbers."""

import json
import re

import pytest

from autograd_mini.__main__ import main
from autograd_mini.models import GPT, MLPLanguageModel, Vocabulary, load_names
from autograd_mini.models.graph import token_graph


def names(tmp_path, capsys, *extra, model="gpt"):
    status = main(["names", "--model", model, "--steps", "4", "--val", "5", "--samples", "3",
                   "--no-progress", "--json", "--plot", str(tmp_path / "loss.png"), *extra])
    out = capsys.readouterr().out
    return status, out, json.loads(out.strip().splitlines()[-1])


@pytest.mark.train
def test_trains_plots_samples_and_draws(tmp_path, capsys):
    status, out, summary = names(tmp_path, capsys, "--graph", str(tmp_path / "token.gv"))
    assert status == 0
    assert "GPT: 4,272 parameters" in out and "loss before training: " in out
    assert summary["loss_after"] < summary["loss_before"]
    assert len(summary["samples"]) == 3 and "sampled names: " in out
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dot = (tmp_path / "token.gv").read_text()
    assert dot.startswith("digraph") and "attention head 3" in dot and "cross-entropy" in dot
    status, out2, again = names(tmp_path, capsys)        # seeded: the same run again
    assert {k: v for k, v in again.items() if k != "seconds"} == \
        {k: v for k, v in summary.items() if k != "seconds"}


@pytest.mark.train
def test_checkpoint_resumes_and_refuses_another_configuration(tmp_path, capsys):
    ck = str(tmp_path / "run.json")
    _, _, straight = names(tmp_path, capsys, model="mlp")
    main(["names", "--model", "mlp", "--steps", "4", "--val", "5", "--samples", "3",
          "--no-progress", "--plot", "", "--checkpoint", ck])
    capsys.readouterr()
    status, out, resumed = names(tmp_path, capsys, "--checkpoint", ck, model="mlp")
    assert "resumed from" in out and "at step 4" in out and "trained 0 steps" in out
    assert resumed["loss_after"] == straight["loss_after"]
    assert resumed["samples"] == straight["samples"]
    with pytest.raises(SystemExit, match="saved by another configuration"):
        main(["names", "--model", "mlp", "--steps", "5", "--val", "5", "--no-progress",
              "--plot", "", "--checkpoint", ck])


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["names", "--steps", "0"])
    assert "must be a positive integer" in capsys.readouterr().err


def test_token_graph_boxes():
    vocab = Vocabulary(load_names())
    scene = token_graph(GPT(len(vocab), block_size=12, n_embd=8, n_head=2), vocab.encode("ada"))
    assert list(scene.boxes) == [
        "wte", "wpe", "", "blocks.0.norm1", "blocks.0.attn.heads.0", "blocks.0.attn.heads.1",
        "blocks.0.attn.proj", "blocks.0.residual.attn", "blocks.0.norm2", "blocks.0.mlp",
        "blocks.0.residual.mlp", "norm_f", "head", "cross_entropy"]
    total = int(re.search(r"([\d,]+) Values", scene.title).group(1).replace(",", ""))
    assert sum(made + held for made, held in scene.boxes.values()) == total
    assert scene.edges["norm_f", "head"] == 8 * 27        # n_embd x vocabulary: the logits
    mlp = token_graph(MLPLanguageModel(len(vocab), n_embd=4, n_hidden=8), vocab.encode("ada"),
                      position=0)
    assert list(mlp.boxes) == ["wte", "hidden", "", "head", "cross_entropy"]
    with pytest.raises(ValueError, match="position must be in"):
        token_graph(GPT(len(vocab)), vocab.encode("ada"), position=5)


def test_unwritable_outputs_are_refused_before_training(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "folder" / "loss.png"
    assert main(["names", "--steps", "1000", "--plot", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "error: --plot" in err and "does not exist" in err
