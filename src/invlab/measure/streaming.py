"""The driver: stream batches through the model once and feed the metrics' accumulators.

For each batch of ``b`` inputs the whole trajectory ``{g_θ x : θ ∈ grid}`` (``T`` points) goes
through the model in **one** forward of ``b·T`` inputs; forward hooks hand each layer's output
to the accumulators (``update(view)``), which keep running sums and drop it. Nothing grows with
``N × T``. An accumulator with ``first_pass = True`` (Goodfellow's thresholds) first sees the
untransformed inputs in a pass of its own (``first(acts, start)``, ``N`` forwards, ``1/T`` of
the trajectory pass); one with ``feed = 'model'`` (the Lie derivative) gets the model and each
untransformed batch after the trajectory pass, without hooks, to differentiate the model itself
(the protocol: :mod:`invlab.measure.metrics.protocol`).

The data is plain tensors: ``x``, a **tuple** ``(x, y)``, or a re-iterable of ``x`` or ``(x, y)``
batches with a known total (a ``torch.utils.data.DataLoader`` without shuffling, a **list**).
A tuple is always the pair and a list always batches, so a list of two batches is never
taken for inputs and labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from invlab._validation import check_tensor, first_output, match_dtype
from invlab.measure.activations import INPUT, evaluating, read_layers, recording
from invlab.transforms import Transform


@dataclass
class Batch:
    """One batch of the data: inputs, labels (or ``None``) and the global index of the first."""

    x: torch.Tensor
    y: torch.Tensor | None
    start: int


class DataSource:
    """Iterate over the data in batches of ``batch_size`` inputs, in the same order every time.

    Real floating data of another precision than the model's (``dtype``) is cast to it, as the
    model computes in its own dtype anyway; complex data into a real model is refused
    (:func:`invlab._validation.match_dtype`)."""

    def __init__(
        self,
        data,
        batch_size: int,
        device: torch.device,
        min_dim: int,
        move: bool,
        dtype: torch.dtype | None = None,
    ):
        self.batch_size = batch_size
        self.dtype = dtype
        self.device = device
        self.move = move
        self.min_dim = min_dim
        self.loader = None
        y = None
        # A tuple is (x, y); a list is batches. Telling a two-batch list from a pair by its
        # contents would misread [x[:150], x[150:]] as inputs and labels.
        if isinstance(data, tuple):
            if len(data) != 2 or not isinstance(data[0], torch.Tensor):
                raise ValueError(
                    f"data as a tuple must be the pair (x, y) of tensors, got a tuple of "
                    f"{len(data)} element(s); pass a list for batches: [x1, x2, ...] or "
                    f"[(x1, y1), (x2, y2), ...]"
                )
            data, y = data
        if isinstance(data, torch.Tensor):
            x = check_tensor(data, "data", min_dim=1)
            self._check_shape(x, "data")
            self._move(x[:0], "data")
            x = match_dtype(check_tensor(x, "data", finite=True), dtype, "data")
            if y is not None:
                y = check_tensor(y, "y", min_dim=1, floating=False)
                if y.shape != (x.shape[0],):
                    raise ValueError(
                        f"y must have shape ({x.shape[0]},) to match data, got {tuple(y.shape)}"
                    )
            self.x, self.y, self.n = x, y, x.shape[0]
        elif isinstance(data, Sequence) or hasattr(getattr(data, "dataset", None), "__len__"):
            from torch.utils.data import RandomSampler

            if isinstance(getattr(data, "sampler", None), RandomSampler):
                raise ValueError(
                    "data is a DataLoader with shuffle=True; measurement reads the data twice "
                    "in the same order: use shuffle=False"
                )
            if isinstance(data, Sequence):
                shapes = [tuple(_inputs_of(item).shape) for item in data]
                for i, shape in enumerate(shapes[1:], 1):
                    if shape[1:] != shapes[0][1:]:
                        raise ValueError(
                            f"data: batch {i} has inputs of shape {shape[1:]} but batch 0 has "
                            f"{shapes[0][1:]}; every batch must hold inputs of one shape "
                            f"(N_i, *{shapes[0][1:]})"
                        )
                self.n = sum(shape[0] for shape in shapes)
            else:
                self.n = len(data.dataset)
            self.loader, self.x, self.y = data, None, None
        else:
            raise TypeError(
                "data must be a tensor (N, C, ...), an (x, y) pair, or a re-iterable of x or "
                "(x, y) batches with a known length (a DataLoader without shuffling, a list); "
                f"got {type(data).__name__}"
            )
        if self.n == 0:
            raise ValueError("data is empty: give at least one input")

    def _check_shape(self, x: torch.Tensor, name: str) -> None:
        if x.dim() < self.min_dim:
            raise ValueError(
                f"{name} has shape {tuple(x.shape)} but the transform acts on "
                f"{self.min_dim - 2} spatial dimension(s): inputs must be (N, C, "
                f"{'N' if self.min_dim == 3 else 'H, W'}); add a channel dimension with "
                f"x.unsqueeze(1) or choose a transform for this data"
            )

    def first(self) -> Batch:
        """The first batch (its first two inputs at most): what the model's output looks like."""
        batch = next(self.batches())
        y = None if batch.y is None else batch.y[:2]
        return Batch(batch.x[:2], y, 0)

    def batches(self) -> Iterator[Batch]:
        """The batches, moved to ``device`` (a loader yields its own batches)."""
        if self.loader is None:
            for start in range(0, self.n, self.batch_size):
                sl = slice(start, min(self.n, start + self.batch_size))
                yb = None if self.y is None else self.y[sl]
                yield Batch(self._move(self.x[sl], "data"), yb, start)
            return
        start = 0
        shape = None
        for item in self.loader:
            xb, yb = (item[0], item[1]) if isinstance(item, tuple | list) else (item, None)
            xb = check_tensor(xb, "data batch", min_dim=1, finite=True)
            self._check_shape(xb, "a data batch")
            if shape is not None and tuple(xb.shape[1:]) != shape:
                raise ValueError(
                    f"data: a batch has inputs of shape {tuple(xb.shape[1:])} but the first "
                    f"batch has {shape}; every batch must hold inputs of one shape"
                )
            shape = tuple(xb.shape[1:])
            xb = match_dtype(xb, self.dtype, "data batch")
            yield Batch(self._move(xb, "a data batch"), yb, start)
            start += xb.shape[0]
        if start != self.n:
            raise ValueError(f"the data yielded {start} inputs but announced {self.n}")

    def _move(self, x: torch.Tensor, name: str) -> torch.Tensor:
        if same_device(x.device, self.device):
            return x
        if self.move:
            return x.to(self.device)
        raise ValueError(
            f"{name} is on {x.device} but the model is on {self.device}; move one of them "
            f"(.to(device)) or pass device={str(self.device)!r} to move the data batch by batch"
        )


def _inputs_of(item) -> torch.Tensor:
    x = item[0] if isinstance(item, tuple | list) else item
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"each batch of data must be x or (x, y) tensors, got {type(x).__name__}")
    return x


def same_device(a: torch.device, b: torch.device) -> bool:
    """Whether two devices are the same (``cuda`` and ``cuda:0`` count as the same)."""
    a, b = torch.device(a), torch.device(b)
    if a.type != b.type:
        return False
    if a.type == "cpu":
        return True
    return (a.index or 0) == (b.index or 0)


@dataclass
class Trajectories:
    """One batch of the trajectory pass, as the accumulators read it.

    Attributes:
        acts: each layer's output for the forward's rows, ``out``: the model's output.
        b: inputs in the batch; ``grid``: ``(T, P)`` on the batch's device.
        identity: row of the grid that is the identity (its rows double as ``φ(x)``), or
            ``None`` (then the forward's first ``b`` rows are the untransformed inputs).
        start: global index of the batch's first input; ``y``: its labels or ``None``.
    """

    acts: dict[str, torch.Tensor]
    out: torch.Tensor
    b: int
    grid: torch.Tensor
    identity: int | None
    start: int
    y: torch.Tensor | None

    def layer(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(φ(x) (b, ...), φ(g_θ x) (b, T, ...))`` of one layer."""
        return self._split(self.acts[name])

    def outputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(f(x), f(g_θ x))`` of the model's output."""
        return self._split(self.out)

    def _split(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t_len = self.grid.shape[0]
        rest = a if self.identity is not None else a[self.b :]
        moved = rest.reshape(self.b, t_len, *a.shape[1:])
        base = moved[:, self.identity] if self.identity is not None else a[: self.b]
        return base, moved


@dataclass
class ModelBatch:
    """One batch for an accumulator that runs the model itself (``feed = 'model'``).

    Attributes:
        model: the measured model, in eval mode; ``x``: untransformed inputs on its device;
        start: global index of the batch's first input.
    """

    model: nn.Module
    x: torch.Tensor
    start: int


def stream(
    model: nn.Module,
    source: DataSource,
    transform: Transform,
    grid: torch.Tensor,
    layers: list[str],
    accumulators: list,
) -> None:
    """Feed every accumulator: the first pass where one asks for it, then the trajectories,
    then the model's own batches (``feed = 'model'``)."""
    identity = identity_index(grid, transform)
    t_len = grid.shape[0]
    hooked = [n for n in layers if n != INPUT]
    along = [a for a in accumulators if a.feed == "trajectories"]
    alone = [a for a in accumulators if a.feed == "model"]
    with torch.no_grad(), evaluating(model), recording(model, hooked, flatten=False) as store:
        early = [a for a in accumulators if a.first_pass]
        for batch in source.batches() if early else ():
            # The model gets a copy: an in-place first op (ReLU(inplace=True)) would otherwise
            # rewrite the user's data and the 'input' layer read from it.
            out = first_output(model(batch.x.clone()))
            acts = read_layers(store, layers, batch.x, out)
            for acc in early:
                acc.first(acts, batch.start)
            store.clear()
            del acts, out
        for batch in source.batches() if along else ():
            xb, b = batch.x, batch.x.shape[0]
            grid_here = grid.to(xb.device)
            traj = transform.apply(
                xb.repeat_interleave(t_len, 0), grid_here.repeat(b, 1)
            )  # sample-major: row i·T + θ is g_θ x_i
            inputs = traj if identity is not None else torch.cat([xb, traj])
            out = first_output(model(inputs.clone()))
            acts = read_layers(store, layers, inputs, out)
            view = Trajectories(acts, out, b, grid_here, identity, batch.start, batch.y)
            for acc in along:
                acc.update(view)
            # Free this batch's activations before the next forward, so that its outputs
            # reuse their memory instead of faulting in fresh pages.
            store.clear()
            del view, acts, out, inputs, traj
    with torch.no_grad(), evaluating(model):  # such an accumulator enables grad where it needs it
        for batch in source.batches() if alone else ():
            for acc in alone:
                acc.update(ModelBatch(model, batch.x, batch.start))


def identity_index(grid: torch.Tensor, transform: Transform) -> int | None:
    """The row of ``grid`` that is the identity transformation, or ``None``."""
    ident = transform.identity_params().float()
    hits = (grid - ident).abs().amax(1) < 1e-9
    return int(hits.nonzero()[0]) if bool(hits.any()) else None
