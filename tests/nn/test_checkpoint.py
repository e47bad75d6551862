"""checkpoint: an MLP as a JSON file. Bit-exact round trips, atomic saves, every bad file
refused with an error naming the place, before anything is built or changed."""

import errno
import io
import json
import math
import os
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini.nn import MLP


# ---------------------------------------------------------------- round trips
def awkward_model():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=11)
    rng = random.Random(2)
    for p in model.parameters():                    # floats that need all 17 digits
        p.data = rng.uniform(-1, 1) * 10.0 ** rng.randint(-300, 300)
    model.parameters()[0].data = 0.1 + 0.2
    model.parameters()[1].data = -0.0
    model.parameters()[2].data = 5e-324
    return model


def test_json_round_trip_is_bit_exact(tmp_path):
    model = awkward_model()
    path = tmp_path / "model.json"
    model.save(path)
    other = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=0).load(path)
    for p, q in zip(model.parameters(), other.parameters()):
        assert p.data.hex() == q.data.hex(), p.label
    again = MLP.from_file(path)
    assert [p.data.hex() for p in again.parameters()] == [p.data.hex() for p in model.parameters()]
    assert again.activations == ["tanh", "sigmoid"]
    text = path.read_text()
    assert "pickle" not in text and json.loads(text)["format"] == "autograd_mini.MLP"
    assert "0.30000000000000004" in text


def test_json_is_readable_matrices():
    model = MLP(2, [2, 1], seed=0)
    data = model.to_json()
    assert data["nouts"] == [2, 1] and data["activations"] == ["relu", "linear"]
    assert data["layers"][0]["W"][1][0] == model.layers[0].neurons[1].w[0].data
    assert data["layers"][1]["b"] == [0.0]


def test_save_to_file_object_and_no_bias():
    model = MLP(2, [2, 1], bias=False, seed=3)
    buf = io.StringIO()
    model.save(buf)
    buf.seek(0)
    other = MLP.from_file(buf)
    assert not other.bias
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


def test_load_wrong_shape_names_expected_shape(tmp_path):
    path = tmp_path / "small.json"
    MLP(2, [4, 1], seed=0).save(path)
    model = MLP(2, [16, 16, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"shape MLP\(2, \[4, 1\].*expected "
                                         r"MLP\(2, \[16, 16, 1\]"):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_load_wrong_activation(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], activation="tanh", seed=0).save(path)
    with pytest.raises(ValueError, match=r"activations \['tanh', 'linear'\] do not match"):
        MLP(2, [2, 1], seed=0).load(path)


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d["layers"][0]["W"].pop(),
     r"layers\[0\]\.W must be a 2x2 matrix \(nout x nin, as the header's nin 2 and nouts "
     r"\[2, 1\] say\); found 1 rows"),
    (lambda d: d["layers"][0]["W"][1].append(0.5),
     r"layers\[0\]\.W must be a 2x2 matrix .*; found row 1 is \[.*, 0.5\]"),
    (lambda d: d["layers"][1].update(b=[]), r"layers\[1\]\.b must be a list of 1 numbers"),
    (lambda d: d["layers"][0]["W"][0].__setitem__(1, "0.5"),
     r"layers\[0\]\.W\[0\]\[1\] must be a number, got str"),
    (lambda d: d["layers"][0]["b"].__setitem__(0, True), r"layers\[0\]\.b\[0\] must be a number"),
    (lambda d: d["layers"].pop(), r"'layers' must be a list of 2 layers"),
    (lambda d: d["layers"][0]["W"][1].__setitem__(0, math.nan),
     r"layers\[0\]\.W\[1\]\[0\] must be a finite number, got nan"),
    (lambda d: d["layers"][1]["b"].__setitem__(0, math.inf),
     r"layers\[1\]\.b\[0\] must be a finite"),
    (lambda d: d["layers"][1]["b"].__setitem__(0, 10 ** 400), r"layers\[1\]\.b\[0\] is too large"),
    (lambda d: d.update(format="something"), "is not an autograd_mini MLP file"),
    (lambda d: d.update(version=2), "unsupported version 2"),
])
def test_bad_files_give_named_errors(tmp_path, mutate, match):
    model = MLP(2, [2, 1], seed=0)
    data = model.to_json()
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=match):
        model.load(path)
    assert [p.data for p in model.parameters()] == before     # nothing half-loaded


def test_not_json_and_nan(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        MLP(2, [1]).load(path)
    model = MLP(2, [1], seed=0)
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match="cannot save L0.N0.w0 = nan"):
        model.save(tmp_path / "nan.json")


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=13, max_size=13), st.booleans())
def test_json_round_trip_any_floats(numbers, bias):
    model = MLP(2, [3, 1], bias=bias, seed=0) if bias else MLP(3, [3, 1], bias=bias, seed=0)
    for p, x in zip(model.parameters(), numbers):
        p.data = x
    buf = io.StringIO()
    model.save(buf)
    buf.seek(0)
    back = MLP.from_file(buf)
    assert [p.data.hex() for p in back.parameters()] == [p.data.hex() for p in model.parameters()]


def test_non_utf8_weights_file_names_the_file(tmp_path):
    path = tmp_path / "w.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=r"w\.json.*is not a UTF-8 text \(JSON\) file"):
        MLP(2, [1]).load(path)


# ---------------------------------------------------------------- saving: all or nothing
def saved_pair(tmp_path):
    """A good checkpoint on disk, and a different model about to overwrite it."""
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path, path.read_bytes(), MLP(2, [8, 8, 1], seed=1)


def disk_full_midway(real_write):
    """os.write that writes half of the first buffer, then fails as a full disk does."""
    calls = []

    def write(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")
    return write


def fail(exc):
    def raising(*args, **kwargs):
        raise exc
    return raising


@pytest.mark.parametrize("name, make", [
    ("write", lambda: disk_full_midway(os.write)),
    ("fsync", lambda: fail(OSError(errno.EIO, "Input/output error"))),
    ("replace", lambda: fail(OSError(errno.EXDEV, "Invalid cross-device link"))),
    ("write", lambda: fail(KeyboardInterrupt())),
])
def test_failed_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch,
                                                                    name, make):
    path, before, bigger = saved_pair(tmp_path)
    monkeypatch.setattr(os, name, make())
    with pytest.raises((OSError, KeyboardInterrupt)):
        bigger.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert [p.data for p in MLP.from_file(path).parameters()] == \
        [p.data for p in MLP(2, [3, 1], seed=0).parameters()]


def test_save_onto_a_full_disk(tmp_path):
    """A real full disk: a 16 kB tmpfs holds the small model but not the big one."""
    from filesystems import tiny_tmpfs
    with tiny_tmpfs(tmp_path / "disk"):
        path, before, _ = saved_pair(tmp_path / "disk")
        big = MLP(2, [64, 64, 1], seed=0)           # about 100 kB of JSON
        with pytest.raises(OSError) as e:
            big.save(path)
        assert e.value.errno == errno.ENOSPC
        assert path.read_bytes() == before
        assert [p.name for p in (tmp_path / "disk").iterdir()] == ["model.json"]


def test_save_replaces_the_file_keeping_its_permissions_and_links(tmp_path):
    path, _, bigger = saved_pair(tmp_path)
    path.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(path.name)
    bigger.save(link)
    assert link.is_symlink() and (path.stat().st_mode & 0o777) == 0o640
    assert MLP.from_file(path).nouts == [8, 8, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "model.json"]


@pytest.mark.parametrize("path", [1, True, 2.5, None, b"m.json"])
def test_save_path_must_be_a_str_or_pathlike(path):
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike, got "):
        MLP(2, [1], seed=0).save(path)
    os.fstat(1)                                     # file descriptor 1 is still open


# ---------------------------------------------------------------- reading: check, then build
def write_json(tmp_path, data, name="m.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, separators=(",", ":")))
    return path


HUGE_HEADER = {"format": "autograd_mini.MLP", "version": 1, "nin": 2000, "nouts": [2000, 1],
               "activations": ["relu", "linear"], "bias": True, "layers": []}


@pytest.mark.parametrize("layers, says", [
    ([], r"the header says 2 layers \(nouts \[2000, 1\]\) but 'layers' has 0"),
    ([{"W": [], "b": []}, {"W": [], "b": []}],
     r"layers\[0\]\.W must be a 2000x2000 matrix .*; found 0 rows"),
])
def test_a_small_file_promising_a_huge_network_fails_fast(tmp_path, layers, says):
    path = write_json(tmp_path, {**HUGE_HEADER, "layers": layers})
    assert path.stat().st_size < 200                # the file is 141 bytes
    start = time.perf_counter()
    with pytest.raises(ValueError, match=says):
        MLP.from_file(path)
    assert time.perf_counter() - start < 0.1


def test_deeply_nested_json_is_a_value_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        MLP.from_file(path)
    inside = json.dumps({**HUGE_HEADER, "layers": "X"}).replace('"X"', "[" * 100_000 +
                                                                "]" * 100_000)
    path.write_text(inside)
    with pytest.raises(ValueError, match="nested too deeply"):
        MLP(2, [1]).load(path)


@pytest.mark.parametrize("change, says", [
    ({"version": True}, r"unsupported version true \(expected the integer 1\)"),
    ({"version": 1.0}, r"unsupported version 1.0"),
    ({"version": None}, r"unsupported version null"),
    ({"nin": True}, r'"nin" must be a positive integer, got true'),
    ({"nin": 0}, r'"nin" must be a positive integer, got 0'),
    ({"nouts": [2, 0]}, r'"nouts" must be a non-empty list of positive integers, got \[2, 0\]'),
    ({"nouts": []}, r'"nouts" must be a non-empty list'),
    ({"activations": ["relu"]}, r'"activations" must be a list of 2 activations'),
    ({"activations": ["gelu", "linear"]}, r'"activations" must be a list of 2 .*got'),
    ({"bias": 1}, r'"bias" must be true or false, got 1'),
    ({"layers": {"W": []}}, r"the header says 2 layers .* but 'layers' is not a list"),
])
def test_every_header_field_is_checked(tmp_path, change, says):
    data = {**MLP(2, [2, 1], seed=0).to_json(), **change}
    path = write_json(tmp_path, data)
    with pytest.raises(ValueError, match=says):
        MLP.from_file(path)
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=says):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_biases_in_a_file_without_biases_are_refused(tmp_path):
    data = MLP(2, [2, 1], bias=False, seed=0).to_json()
    data["layers"][1]["b"] = [0.5]
    with pytest.raises(ValueError, match=r'layers\[1\]\.b must be null: the header says '
                                         r'"bias": false'):
        MLP.from_file(write_json(tmp_path, data))


def test_huge_integer_is_a_named_error(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"format": "autograd_mini.MLP", "nin": ' + "9" * 5000 + "}")
    with pytest.raises(ValueError, match="is not valid JSON"):
        MLP.from_file(path)


def test_from_file_leaves_the_global_random_generator_alone(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    state = random.getstate()
    MLP.from_file(path)
    assert random.getstate() == state


def test_a_shared_parameter_must_get_one_number(tmp_path):
    from autograd_mini.example import build_worked_example_mlp
    model, _ = build_worked_example_mlp()
    data = model.to_json()
    assert data["layers"][0]["b"] == [0.35, 0.35]   # b1, once per neuron it feeds
    model.load_json(data)
    assert model.layers[0].neurons[1].b.data == 0.35
    data["layers"][0]["b"] = [0.35, 0.4]
    with pytest.raises(ValueError, match=r"layers\[0\]\.b\[1\] = 0.4 but layers\[0\]\.b\[0\] "
                                         r"= 0.35, and this network shares one parameter "
                                         r"\(b1\)"):
        model.load_json(data)
    assert model.layers[0].neurons[0].b.data == 0.35
