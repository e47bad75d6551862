"""An ``MLP``'s weights as a plain JSON file (never pickle): save, check, load, build.

Version 1 of the format::

    {"format": "autograd_mini.MLP", "version": 1, "nin": 2, "nouts": [16, 16, 1],
     "activations": ["relu", "relu", "linear"], "bias": true,
     "layers": [{"W": [[w00, w01], ...], "b": [b0, ...]}, ...]}

``layers[l].W[j][k]`` is the weight from input k to neuron j of layer l (nout x nin, the
notes' ``W^l[j][k]``) and ``layers[l].b[j]`` its bias (null without biases). Floats are
written as their shortest repr, so a round trip is bit-exact.

- ``save(model, path)`` writes atomically (``fileio.write_atomic``): a save that fails
  midway (disk full) leaves the previous file as it was.
- Reading checks the whole file against its own header (``parse``) before a network is
  built or a single weight is changed, so a bad file costs time in proportion to its size
  and its error names the place: ``layers[0].W must be a 2000x2000 matrix``.
"""

import json
import math
import os
from dataclasses import dataclass

from ..util.fileio import check_path, write_atomic
from .base import ACTIVATIONS, number

__all__ = ["FORMAT", "VERSION", "Checkpoint", "to_json", "save", "read", "parse", "load",
           "load_json", "from_file"]

FORMAT = "autograd_mini.MLP"
VERSION = 1


@dataclass
class Checkpoint:
    """A file's contents, checked: the header and ``W[l][j][k]``, ``b[l][j]`` as floats
    (``b[l]`` is None without biases)."""
    nin: int
    nouts: list
    activations: list
    bias: bool
    W: list
    b: list

    def shape(self):
        return (f"MLP({self.nin}, {self.nouts}, activations={self.activations}, "
                f"bias={self.bias})")


# ---------------------------------------------------------------------- writing
def to_json(model):
    """The network as a JSON-ready dict: the header plus ``W``/``b`` per layer."""
    W, b = model.weights()
    return {"format": FORMAT, "version": VERSION, "nin": model.nin, "nouts": model.nouts,
            "activations": model.activations, "bias": model.bias,
            "layers": [{"W": W[i], "b": b[i]} for i in range(len(W))]}


def save(model, path):
    """Write ``model`` to ``path`` (a str or os.PathLike, atomically) or to a text file
    object (its ``write``). NaN and inf are refused: JSON has neither."""
    if not hasattr(path, "write"):
        check_path(path, "MLP.save: path")
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f"cannot save {name} = {p.data!r}: JSON has no NaN or inf")
    text = json.dumps(to_json(model), indent=1, allow_nan=False) + "\n"
    if hasattr(path, "write"):
        path.write(text)
    else:
        write_atomic(path, text)


# ---------------------------------------------------------------------- reading
def source_name(path):
    """How error messages name the file."""
    return repr(os.fspath(path)) if isinstance(path, (str, os.PathLike)) else "weights file"


def read(path):
    """The JSON in ``path`` (a str, os.PathLike or text file object), or a ValueError."""
    source = source_name(path)
    if not hasattr(path, "read"):
        path = check_path(path, "MLP file")
    try:
        if hasattr(path, "read"):
            text = path.read()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        return json.loads(text)
    except UnicodeDecodeError as e:
        raise ValueError(f"{source} is not a UTF-8 text (JSON) file: {e}") from None
    except RecursionError:
        raise ValueError(f"{source} is not an MLP file: its JSON is nested too deeply "
                         "to read") from None
    except ValueError as e:                         # JSONDecodeError, an int of 5,000 digits
        raise ValueError(f"{source} is not valid JSON: {e}") from None


def _show(x):
    """``x`` as the file spells it (``true``, ``null``), shortened."""
    try:
        text = json.dumps(x)
    except (TypeError, ValueError):
        text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _header_field(data, key, ok, expected, source):
    value = data.get(key)
    if not ok(value):
        raise ValueError(f"{source}: \"{key}\" must be {expected}, got {_show(value)}")
    return value


def _positive_int(n):
    return type(n) is int and n >= 1


def _header(data, source):
    """``(nin, nouts, activations, bias)`` from a file's header, each checked."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{source} is not an autograd_mini MLP file "
                         f"(expected a JSON object with \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if type(version) is not int or version != VERSION:     # true == 1, but it is no version
        raise ValueError(f"{source}: unsupported version {_show(version)} "
                         f"(expected the integer {VERSION})")
    nin = _header_field(data, "nin", _positive_int, "a positive integer", source)
    nouts = _header_field(data, "nouts", lambda v: isinstance(v, list) and v
                          and all(map(_positive_int, v)),
                          "a non-empty list of positive integers", source)
    activations = _header_field(
        data, "activations", lambda v: isinstance(v, list) and len(v) == len(nouts)
        and all(isinstance(a, str) and a in ACTIVATIONS for a in v),
        f"a list of {len(nouts)} activations (one per layer) from {list(ACTIVATIONS)}", source)
    bias = _header_field(data, "bias", lambda v: type(v) is bool, "true or false", source)
    return nin, nouts, activations, bias


def _matrix(entry, where, rows, cols, note):
    """``entry`` as a rows x cols list of floats, or a ValueError naming the place."""
    if not isinstance(entry, list) or len(entry) != rows:
        found = f"{len(entry)} rows" if isinstance(entry, list) else _show(entry)
    else:
        bad = [j for j, r in enumerate(entry) if not isinstance(r, list) or len(r) != cols]
        found = bad and f"row {bad[0]} is {_show(entry[bad[0]])}"
    if found:
        raise ValueError(f"{where} must be a {rows}x{cols} matrix (nout x nin{note}); "
                         f"found {found}")
    return [[number(x, f"{where}[{j}][{k}]") for k, x in enumerate(row)]
            for j, row in enumerate(entry)]


def _biases(entry, where, rows, bias, note):
    if not bias:
        if entry is not None:
            raise ValueError(f"{where} must be null: the header says \"bias\": false")
        return None
    if not isinstance(entry, list) or len(entry) != rows:
        raise ValueError(f"{where} must be a list of {rows} numbers{note}; found "
                         f"{_show(entry)}")
    return [number(x, f"{where}[{j}]") for j, x in enumerate(entry)]


def parse(data, source="weights"):
    """Check a whole file (a dict from ``json``) against its own header: a ``Checkpoint``,
    or a ValueError naming the first thing that does not fit. Nothing is built."""
    nin, nouts, activations, bias = _header(data, source)
    layers = data.get("layers")
    if not isinstance(layers, list) or len(layers) != len(nouts):
        count = f"has {len(layers)}" if isinstance(layers, list) else "is not a list"
        raise ValueError(f"{source}: the header says {len(nouts)} layers (nouts {nouts}) "
                         f"but 'layers' {count}; 'layers' must be a list of {len(nouts)} "
                         "layers")
    sizes = [nin] + nouts
    note = f", as the header's nin {nin} and nouts {nouts} say"
    W, b = [], []
    for i, entry in enumerate(layers):
        where = f"{source}: layers[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be an object with \"W\" and \"b\"")
        W.append(_matrix(entry.get("W"), f"{where}.W", nouts[i], sizes[i], note))
        b.append(_biases(entry.get("b"), f"{where}.b", nouts[i], bias, note))
    return Checkpoint(nin, nouts, activations, bias, W, b)


# ---------------------------------------------------------------------- loading
def load_json(model, data, source="weights"):
    """Load a dict made by ``to_json()`` into ``model``; its shape must be the model's.
    Nothing changes unless the whole file is good."""
    ckpt = parse(data, source)
    if (ckpt.nin, ckpt.nouts, ckpt.bias) != (model.nin, model.nouts, model.bias):
        raise ValueError(f"{source}: shape MLP({ckpt.nin}, {ckpt.nouts}, bias={ckpt.bias}) "
                         f"does not match this network; expected {model.shape()}")
    if ckpt.activations != model.activations:
        raise ValueError(f"{source}: activations {ckpt.activations} do not match; "
                         f"expected {model.shape()}")
    assignments = {}                                # id(Value) -> (Value, number, place)
    for i, layer in enumerate(model.layers):
        for j, n in enumerate(layer.neurons):
            places = [(w, ckpt.W[i][j][k], f"layers[{i}].W[{j}][{k}]")
                      for k, w in enumerate(n.w)]
            if ckpt.bias:
                places.append((n.b, ckpt.b[i][j], f"layers[{i}].b[{j}]"))
            for p, x, place in places:
                _assign_once(assignments, p, x, place, source)
    for p, x, _ in assignments.values():
        p.data = x


def _assign_once(assignments, p, x, place, source):
    """A parameter shared by several places (a per-layer bias) must get one number."""
    earlier = assignments.setdefault(id(p), (p, x, place))
    if earlier[1].hex() != x.hex():
        raise ValueError(f"{source}: {place} = {x!r} but {earlier[2]} = {earlier[1]!r}, "
                         f"and this network shares one parameter ({p.label or 'unlabelled'}) "
                         "between them")


def load(model, path):
    """Load the file at ``path`` into ``model`` (see ``load_json``)."""
    load_json(model, read(path), source_name(path))


def from_file(path, cls):
    """A new ``cls`` (``MLP``: ``MLP.from_file(path)`` calls this) built from the file at
    ``path``, after the whole file has been checked."""
    source = source_name(path)
    ckpt = parse(read(path), source)
    hidden = set(ckpt.activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"{source}: activations {ckpt.activations} cannot be built "
                         "(hidden layers must share one activation)")
    model = cls(ckpt.nin, ckpt.nouts, bias=ckpt.bias, seed=0,
                activation=ckpt.activations[0], output_activation=ckpt.activations[-1])
    for layer, W, b in zip(model.layers, ckpt.W, ckpt.b):
        for j, n in enumerate(layer.neurons):
            for w, x in zip(n.w, W[j]):
                w.data = x
            if b is not None:
                n.b.data = b[j]
    return model
