"""One tiny study spec for every study test: an MLP of width 8 trained for one epoch on
MNIST-1D, measured on 100 inputs along 5 shifts, plain and shift-augmented.

``tiny_spec(**changes)`` gives the spec as a dict (what ``parse_spec`` takes); a change
replaces a top-level key, or is merged into it when both are tables; ``None`` removes the key.
``tiny_toml(**changes)`` gives the same spec as TOML text (what ``load_spec`` and the CLI read).
"""

from __future__ import annotations

import copy
import json

BASE = {
    "name": "tiny",
    "datasets": ["mnist1d"],
    "training": {"epochs": 1, "lr": 0.01},
    "measure": {"transforms": ["shift:-4:4"], "inputs": 100, "steps": 5},
    "regimes": [{"name": "plain"}, {"name": "aug", "augment": "shift:4"}],
    "models": [{"name": "mlp", "grid": {"width": 8, "depth": 1}}],
}


def tiny_spec(**changes) -> dict:
    spec = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        elif isinstance(value, dict) and isinstance(spec.get(key), dict):
            spec[key] = {**spec[key], **value}
        else:
            spec[key] = copy.deepcopy(value)
    return spec


def _value(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v)  # strings, numbers and booleans are spelled alike in TOML


def tiny_toml(**changes) -> str:
    spec = tiny_spec(**changes)
    scalars = [k for k, v in spec.items() if not isinstance(v, dict) and not _is_tables(v)]
    lines = [f"{k} = {_value(spec[k])}" for k in scalars]
    for key, value in spec.items():
        if isinstance(value, dict):
            lines += [f"[{key}]"] + [f"{k} = {_value(x)}" for k, x in value.items()]
        elif _is_tables(value):
            for table in value:
                lines += [f"[[{key}]]"] + [f"{k} = {_value(x)}" for k, x in table.items()]
    return "\n".join(lines) + "\n"


def _is_tables(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
