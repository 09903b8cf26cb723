"""Reference kernel values from neural-tangents 0.6.5, for ``tests/test_kernels_reference.py``.

Runs in its own environment (JAX is not an invlab dependency)::

    python3 -m venv /work/nt-env
    /work/nt-env/bin/pip install "jax[cpu]==0.4.30" neural-tangents==0.6.5
    /work/nt-env/bin/python benchmarks/neural_tangents_reference.py

and writes ``tests/data/kernels_reference.npz``: for every case ``<name>``, the inputs
``<name>__x1`` ``(5, C, *S)`` and ``<name>__x2`` ``(4, C, *S)`` (channels first, as invlab takes
them), the kernels ``<name>__{nngp,ntk}_{12,11}`` (x1 × x2 and x1 × x1) in float64, and
``<name>__config`` (JSON: the architecture).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
from neural_tangents import stax  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "kernels_reference.npz"

ACTIVATIONS = {"relu": stax.Relu, "erf": stax.Erf}

# name: (architecture, input shape (C, *S), depth, kernel_size, readout, activation, w, b)
CASES = {
    "mlp_d1": ("mlp", (2, 8), 1, None, None, "relu", 2**0.5, 0.0),
    "mlp_d3": ("mlp", (2, 8), 3, None, None, "relu", 2**0.5, 0.0),
    "mlp_d3_bias": ("mlp", (2, 8), 3, None, None, "relu", 1.5, 0.3),
    "mlp_d2_erf": ("mlp", (2, 8), 2, None, None, "erf", 1.2, 0.2),
    "cnn1d_flatten_k3": ("cnn", (2, 10), 2, 3, "flatten", "relu", 2**0.5, 0.0),
    "cnn1d_flatten_k5": ("cnn", (2, 10), 3, 5, "flatten", "relu", 2**0.5, 0.0),
    "cnn1d_gap_k3": ("cnn", (2, 10), 2, 3, "gap", "relu", 2**0.5, 0.0),
    "cnn1d_gap_k5": ("cnn", (2, 10), 3, 5, "gap", "relu", 2**0.5, 0.0),
    "cnn1d_gap_k3_d1": ("cnn", (1, 9), 1, 3, "gap", "relu", 2**0.5, 0.0),
    "cnn1d_gap_k3_bias": ("cnn", (3, 8), 3, 3, "gap", "relu", 1.3, 0.4),
    "cnn1d_flatten_k3_bias": ("cnn", (3, 8), 3, 3, "flatten", "relu", 1.3, 0.4),
    "cnn1d_gap_k3_erf": ("cnn", (2, 8), 2, 3, "gap", "erf", 1.1, 0.1),
    "cnn2d_flatten_k3": ("cnn", (2, 6, 6), 2, 3, "flatten", "relu", 2**0.5, 0.0),
    "cnn2d_flatten_k5": ("cnn", (2, 6, 6), 2, 5, "flatten", "relu", 2**0.5, 0.0),
    "cnn2d_gap_k3": ("cnn", (2, 6, 6), 2, 3, "gap", "relu", 2**0.5, 0.0),
    "cnn2d_gap_k5": ("cnn", (2, 6, 5), 2, 5, "gap", "relu", 2**0.5, 0.2),
}


def network(arch, shape, depth, k, readout, activation, w, b):
    act = ACTIVATIONS[activation]
    if arch == "mlp":
        hidden = [stax.Dense(512, W_std=w, b_std=b), act()] * depth
        return stax.serial(stax.Flatten(), *hidden, stax.Dense(1, W_std=w, b_std=b))
    window = (k,) * (len(shape) - 1)
    conv = stax.Conv(512, window, padding="CIRCULAR", W_std=w, b_std=b)
    pool = stax.GlobalAvgPool() if readout == "gap" else stax.Flatten()
    return stax.serial(*[conv, act()] * depth, pool, stax.Dense(1, W_std=w, b_std=b))


def main() -> int:
    rng = np.random.default_rng(20261201)
    arrays = {}
    for name, config in CASES.items():
        shape = config[1]
        _, _, kernel_fn = network(*config)
        x1 = rng.standard_normal((5, *shape))
        x2 = rng.standard_normal((4, *shape))
        # neural-tangents is channels-last.
        last = lambda x: np.moveaxis(x, 1, -1)  # noqa: E731
        k12 = kernel_fn(last(x1), last(x2), ("nngp", "ntk"))
        k11 = kernel_fn(last(x1), None, ("nngp", "ntk"))
        arrays[f"{name}__x1"] = x1
        arrays[f"{name}__x2"] = x2
        arrays[f"{name}__nngp_12"] = np.asarray(k12.nngp)
        arrays[f"{name}__ntk_12"] = np.asarray(k12.ntk)
        arrays[f"{name}__nngp_11"] = np.asarray(k11.nngp)
        arrays[f"{name}__ntk_11"] = np.asarray(k11.ntk)
        keys = ("arch", "shape", "depth", "kernel_size", "readout", "activation", "w_std", "b_std")
        arrays[f"{name}__config"] = np.array(json.dumps(dict(zip(keys, config, strict=True))))
        print(f"{name}: nngp_12[0, 0] = {float(k12.nngp[0, 0]):.6f}", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
