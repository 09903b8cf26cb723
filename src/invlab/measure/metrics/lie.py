"""The Lie derivative / local equivariance error (LEE) of Gruver, Finzi, Goldblum & Wilson (ICLR
2023, "The Lie derivative for measuring learned equivariance"), per layer.

For a continuous action ``T_t`` on the input (:mod:`invlab.measure.metrics.lie_actions`:
band-limited translation, rotation, scale) and a layer ``φ`` whose output carries a known
action ``ρ_t``
(the same transformation of its feature map at its resolution, or ``ρ = identity`` for a
layer meant to be invariant: any output that is not a feature map of the input's rank), the
Lie derivative is

    L φ(x) = d/dt ρ_{−t} φ(T_t x) |_{t=0} = J_φ(x) · A x − B φ(x),

with ``A``, ``B`` the generators of the input and output actions: one forward-mode
Jacobian–vector product (``torch.func.jvp``) of the whole model gives it for every layer.
``L φ = 0`` for an exactly equivariant (or invariant) layer.

**Layer-wise attribution** (Gruver et al., Sec. 5): for a network of layers
``h_i = f_i(h_{i−1})``, the chain rule splits the end-to-end Lie derivative into one term per
layer, its own Lie derivative carried to the output by the rest of the network:

    L f(x) = Σ_i C_i(x),
    C_i = J_{f_L ∘ … ∘ f_{i+1}}(h_i) · (J_{f_i}(h_{i−1}) A_{i−1} h_{i−1} − A_i h_i).

``C_i`` is computed by one JVP in a scalar ``t``: the layer's input is replaced by
``h_{i−1} + t A_{i−1} h_{i−1}`` and its output ``h`` by ``h − t A_i h`` (hooks), everything else
untouched. The terms add up to ``L f`` exactly when the measured layers are the model's whole
chain (every computation inside exactly one measured module, as for the leaves of an
``nn.Sequential``); a layer's action is decided by its output's shape, so layer ``i``'s output
and layer ``i+1``'s input agree.

**Aggregation** over inputs of a vector ``v`` (``L φ(x)`` or ``C_i(x)``):

* ``'squared'`` (default, the paper's equation): ``E_x ‖v(x)‖²``, the squared norm summed
  over the layer's coordinates;
* ``'abs'``: ``E_x mean_j |v_j(x)|``, the mean absolute value per coordinate (what the authors'
  end-to-end script computes).

Units: translation per input sample, rotation per radian, scale per unit of ``log s``.
Exact over the data (no sampling); memory ``O(batch · activations)``.

**Normalised LEE** (``metric='lie_relative'``): the raw LEE grows with the size of ``φ``'s
values (wider layers, larger logits after training), so it cannot compare models of different
size. Each layer's LEE is therefore also divided by the spread of the same layer over the same
inputs,

    'squared':  E_x ‖L φ(x)‖² / E_x ‖φ(x) − φ̄‖²,        φ̄ = E_x φ(x),
    'abs':      E_x mean_j |L φ_j(x)| / (E_x mean_j (φ_j(x) − φ̄_j)²)^{1/2},

dimensionless up to the action's unit (per sample², per radian², per ``(log s)²``): 1/√ratio
is how far ``t`` must move for the layer to change by as much as it varies from one input to
another (to first order). It is unchanged when ``φ`` is multiplied by a constant, so it
compares a model with itself at initialisation and models of different width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from invlab.measure.activations import INPUT, OUTPUT
from invlab.measure.metrics.lie_actions import SPATIAL, generators_for, tangent
from invlab.measure.metrics.protocol import Metric, Setup

AGGREGATIONS = ("squared", "abs")


@dataclass
class FeatureAction:
    """The action on one tensor: ``generator`` at ``rate`` (or ``None``: identity)."""

    generator: str | None
    rate: tuple[float, ...] = (1.0,)

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        if self.generator is None:
            return torch.zeros_like(h)
        rate = self.rate[0] if len(self.rate) == 1 else self.rate
        return tangent(h, self.generator, rate)


def feature_action(generator: str, x: torch.Tensor, h: torch.Tensor) -> FeatureAction:
    """The action on ``h`` induced by ``generator`` on the input ``x``.

    A tensor of the input's rank is a feature map: the same transformation on its spatial axes,
    a translation scaled by ``size(h) / size(x)`` per axis; any other tensor is invariant.
    """
    d = SPATIAL[generator]
    if h.dim() != x.dim() or h.dim() < d + 2:
        return FeatureAction(None)
    rate = tuple(h.shape[i] / x.shape[i] for i in range(-d, 0))
    return FeatureAction(generator, rate)


def _first(output):
    return output[0] if isinstance(output, tuple | list) else output


def lie_vectors(
    model: nn.Module,
    x: torch.Tensor,
    generator: str,
    layers: Sequence[str],
    values: dict[str, torch.Tensor] | None = None,
) -> dict[str, torch.Tensor]:
    """``{layer: L φ(x)}`` for a batch ``x``: one JVP of the model (``'output'``: its output).

    A dict given as ``values`` receives ``{layer: φ(x)}``, the same forward's outputs.
    """
    modules = dict(model.named_modules())
    hooked = [n for n in layers if n not in (INPUT, OUTPUT) or (n == OUTPUT and n in modules)]
    order: list[str] = []
    captured: list[torch.Tensor] = []

    def run(inp):
        order.clear()
        captured.clear()
        handles = []
        for name in hooked:

            def hook(_m, _i, out, name=name):
                order.append(name)
                # a copy: a later in-place layer (ReLU(inplace=True)) would overwrite it
                captured.append(_first(out).clone())

            handles.append(modules[name].register_forward_hook(hook))
        try:
            out = _first(model(inp))
        finally:
            for h in handles:
                h.remove()
        return (out, *captured)

    primals, tangents = torch.func.jvp(run, (x,), (tangent(x, generator),))
    outputs = dict(zip(["__out__", *order], zip(primals, tangents)))
    result = {}
    for name in layers:
        if name == INPUT:
            continue
        key = "__out__" if name == OUTPUT and name not in modules else name
        if key not in outputs:
            raise ValueError(f"layer {name!r} did not run in the model's forward")
        h, dh = outputs[key]
        result[name] = dh - feature_action(generator, x, h)(h)
        if values is not None:
            values[name] = h
    return result


def lie_contributions(
    model: nn.Module, x: torch.Tensor, generator: str, layers: Sequence[str]
) -> dict[str, torch.Tensor]:
    """``{layer: C_i(x)}``: each module layer's contribution to the output's Lie derivative.

    One JVP per layer (see the module docstring); ``'input'`` and ``'output'`` (unless a
    submodule is so named) are not layers and are skipped.
    """
    modules = dict(model.named_modules())
    result = {}
    for name in layers:
        if name in (INPUT, OUTPUT) and name not in modules:
            continue
        module = modules[name]

        def run(t, module=module):
            def pre(_m, args):
                u = args[0]
                return (u + t * feature_action(generator, x, u)(u), *args[1:])

            def post(_m, _i, out):
                h = _first(out)
                return h - t * feature_action(generator, x, h)(h)

            handles = [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
            try:
                return _first(model(x))
            finally:
                for h in handles:
                    h.remove()

        t0 = torch.zeros((), dtype=x.dtype, device=x.device)
        _, result[name] = torch.func.jvp(run, (t0,), (torch.ones_like(t0),))
    return result


@dataclass
class LieAccumulator:
    """Running sums of ``‖v‖²`` and ``mean|v|`` per (layer, generator), over the inputs, and of
    each layer's values (``Σ φ``, ``Σ ‖φ‖²``) for the normalised LEE.

    Fed the model itself (``feed = 'model'``): each batch costs one JVP per generator for
    :func:`lie_vectors` and one per layer and generator for :func:`lie_contributions`.
    """

    first_pass = False
    feed = "model"

    generators: list[str]
    layers: list[str]
    attribute: bool = True
    n: int = 0
    sums: dict = field(default_factory=dict)
    moments: dict = field(default_factory=dict)

    def update(self, batch) -> None:
        """Add one :class:`invlab.measure.streaming.ModelBatch` (inputs on the model's device)."""
        model, x = batch.model, batch.x
        with torch.enable_grad():  # forward-mode AD; no graph is kept
            for k, g in enumerate(self.generators):
                values: dict[str, torch.Tensor] | None = {} if k == 0 else None
                kinds = [("lie", lie_vectors(model, x, g, self.layers, values))]
                if values is not None:
                    self._add_moments(values)
                if self.attribute:
                    kinds.append(("lie_contribution", lie_contributions(model, x, g, self.layers)))
                for metric, vectors in kinds:
                    for name, v in vectors.items():
                        v = v.detach().reshape(v.shape[0], -1).double()
                        sq, ab = float(v.pow(2).sum()), float(v.abs().mean(1).sum())
                        old = self.sums.get((metric, name, g), (0.0, 0.0))
                        self.sums[metric, name, g] = (old[0] + sq, old[1] + ab)
        self.n += x.shape[0]

    def _add_moments(self, values: dict[str, torch.Tensor]) -> None:
        for name, h in values.items():
            h = h.detach().reshape(h.shape[0], -1).double()
            total, square = self.moments.get(name, (0.0, 0.0))
            self.moments[name] = (total + h.sum(0), square + float(h.pow(2).sum()))

    def spread(self, name: str) -> float:
        """``E_x ‖φ(x) − φ̄‖²`` of layer ``name`` over the inputs seen."""
        total, square = self.moments[name]
        mean = total / self.n
        return max(square / self.n - float(mean.pow(2).sum()), 0.0)

    def result(self) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
        """``{metric: {layer: {generator: {'squared': ·, 'abs': ·}}}}``, metrics ``lie``,
        ``lie_contribution`` and ``lie_relative`` (the normalised LEE; NaN for a layer that
        takes one value on every input)."""
        out: dict = {"lie": {}, "lie_contribution": {}, "lie_relative": {}}
        for (metric, name, g), (sq, ab) in self.sums.items():
            out[metric].setdefault(name, {})[g] = {"squared": sq / self.n, "abs": ab / self.n}
        for name, per_gen in out["lie"].items():
            spread = self.spread(name)
            dim = self.moments[name][0].numel()
            out["lie_relative"][name] = {
                g: {
                    "squared": _ratio(v["squared"], spread),
                    "abs": _ratio(v["abs"], math.sqrt(spread / dim)),
                }
                for g, v in per_gen.items()
            }
        return out


def _ratio(value: float, scale: float) -> float:
    # a constant layer has no spread to compare with: NaN, not inf or a division error
    return value / scale if scale > 0 else math.nan


def lie_rows(lie: dict, profile) -> list[tuple]:
    """Rows ``(layer, metric, generator | 'mean', value)`` of the Lie derivative's results, in
    the profile's ``lie_aggregation``."""
    aggregation = profile.lie_aggregation
    rows = []
    for metric, per_layer in lie.items():
        for name, per_gen in per_layer.items():
            values = [v[aggregation] for v in per_gen.values()]
            rows += [(name, metric, g, v[aggregation]) for g, v in per_gen.items()]
            rows.append((name, metric, "mean", float(np.mean(values))))
    return rows


def _build(setup: Setup) -> dict[str, LieAccumulator]:
    layers = [name for name in setup.layers if name != INPUT]
    return {OUTPUT: LieAccumulator(generators_for(setup.transform), layers)}


METRIC = Metric(
    "lie", _build, field="lie", per_layer=False, opt_in=True, check=generators_for, rows=lie_rows
)
