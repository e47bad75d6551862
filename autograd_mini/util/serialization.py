"""``save(obj, path)`` and ``load(path)``: state dicts (and any nest of dicts, lists and
numbers) in a JSON file, as ``torch.save``/``torch.load`` are used for checkpoints::

    save({"model": model.state_dict(), "optimizer": opt.state_dict(),
          "scheduler": sched.state_dict(), "step": step}, "run.json")
    ckpt = load("run.json")
    model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optimizer"]) ...

The file is ``{"format": "autograd_mini.state", "version": 1, "data": ...}``: plain JSON,
never pickle, so loading a file runs no code. Floats are written as their shortest repr,
so every number comes back bit for bit and training resumes exactly. JSON has no tuples
and only string keys: tuples come back as lists and int keys as strings (the optimizers'
and schedulers' ``load_state_dict`` take both). NaN and inf are refused, naming where.

Writing is atomic (``util.fileio.write_atomic``): a save that is interrupted (an error,
Ctrl-C, a full disk) leaves the file as it was, so the previous checkpoint stays valid.
"""

import json
import math
import os
from numbers import Real

from .fileio import check_path, write_atomic

__all__ = ["save", "load", "FORMAT", "VERSION"]

FORMAT = "autograd_mini.state"
VERSION = 1


def _plain(x, where):
    """``x`` as JSON-ready data (tuples as lists, int keys as strings), checked."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, Real):
        if isinstance(x, int):
            return int(x)
        x = float(x)
        if not math.isfinite(x):
            raise ValueError(f"save: {where} is {x!r}; JSON has no NaN or inf")
        return x
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: {where} has a key {k!r}; keys must be str or int")
            out[str(k)] = _plain(v, f"{where}[{k!r}]")
        return out
    if isinstance(x, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(x)]
    raise TypeError(f"save: {where} is a {type(x).__name__}; only dicts, lists, tuples, "
                    "numbers, strings, booleans and None can be saved (a state_dict() is)")


def save(obj, path):
    """Write ``obj`` (dicts, lists, numbers, strings) to ``path`` as JSON, atomically."""
    check_path(path, "save: path")
    text = json.dumps({"format": FORMAT, "version": VERSION, "data": _plain(obj, "obj")},
                      allow_nan=False, separators=(",", ":"))
    write_atomic(path, text + "\n")


def load(path):
    """What ``save`` wrote to ``path``; a ValueError names a file that is not one."""
    path = check_path(path, "load: path")
    source = repr(os.fspath(path))
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except UnicodeDecodeError as e:
        raise ValueError(f"{source} is not a UTF-8 text (JSON) file: {e}") from None
    except ValueError as e:
        raise ValueError(f"{source} is not valid JSON (a cut-off or damaged file?): {e}") \
            from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "data" not in data:
        raise ValueError(f"{source} is not an autograd_mini state file (expected a JSON "
                         f"object with \"format\": \"{FORMAT}\")")
    if type(data.get("version")) is not int or data["version"] != VERSION:
        raise ValueError(f"{source}: unsupported version {data.get('version')!r} "
                         f"(expected {VERSION})")
    return data["data"]
