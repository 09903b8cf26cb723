"""What a study is: a list of run configurations, each one run of a run kind (no torch here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace

METRICS = ("goodfellow", "sensitivity", "consistency", "accuracy")
OPTIONAL_METRICS = ("equivariance",)
"""Metrics a spec may add to ``METRICS``: ``equivariance`` stores a G-CNN's equivariance error
off the quarter turns (:mod:`invlab.study.runs.group_equivariance`) with the run."""
# Fields added after the first release enter the run's key only when they differ from their
# default, so the keys (and the databases) of earlier studies stay valid.
_OPTIONAL_IN_KEY = {
    "metrics": METRICS,
    "measure_inputs": 1000,
    "schedule": "constant",
    "kind": "train",
    "lie_transforms": (),
    "measure_at_init": False,
    "shifts": "circular",
    "target_loss": None,
    "augment_classes": None,
    "split_classes": None,
}
SHIFTS = ("circular", "generator")
"""How a shift grid moves the test inputs: a circular roll of each finished signal, or the
MNIST-1D generator's own translation (:func:`invlab.data.mnist1d_shifts.generator_shifted_test`)."""


@dataclass(frozen=True)
class RunConfig:
    """One training run and its measurement.

    Attributes:
        dataset: dataset name (see :func:`invlab.data.list_datasets`).
        model: model name (see :func:`invlab.models.list_models`).
        size: the model's size arguments, e.g. ``{"width": 128, "depth": 2}``.
        augment: transformation spec used for augmentation during training, or ``None``.
        transform: transformation spec that the measurement uses (e.g. ``"shift:-10:10"``).
        epochs, batch_size, lr: training budget.
        schedule: learning-rate schedule, ``'constant'`` or ``'cosine'``.
        seed: seeds the weights, the minibatch order and the augmentation.
        steps: points on each measured trajectory.
        family: the group the run is plotted in (defaults to the model name).
        metrics: what to measure, any of ``goodfellow, sensitivity, consistency, accuracy``.
        measure_inputs: test inputs the measurement uses (the first ones of the test split).
        kind: what the run does: a run kind of :mod:`invlab.study.runs` (``train``: a zoo
            model trained and measured), which reads ``model`` and ``size``.
        lie_transforms: ``train-lie`` only: the transformations whose Lie derivative is
            stored, each under its own name (``lie_rotate``, ...); empty: ``transform``'s,
            as ``lie``.
        measure_at_init: ``train-lie`` only: also store the Lie derivative of the model as
            initialised, before training (metrics prefixed ``init_``).
        shifts: how ``transform`` (a shift) moves the test inputs: ``'circular'`` (rolled)
            or ``'generator'`` (MNIST-1D regenerated with its translation set to each shift;
            ``mnist1d`` data only, the output metrics only).
        target_loss: matched fit: train until the cross-entropy on the whole training set
            (evaluation mode) is ``<= target_loss``, with ``epochs`` as the cap; ``None``
            trains exactly ``epochs`` epochs.
        augment_classes: the labels whose training samples are augmented (``None``: all).
        split_classes: labels that the measurement also reads apart from the others: a
            ``train`` run stores the metrics of the test inputs of these classes and of the
            rest as the extras group ``class_split`` (``None``: no split).
    """

    dataset: str
    model: str
    size: dict = field(default_factory=dict)
    augment: str | None = None
    transform: str = "shift:-10:10"
    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    steps: int = 9
    family: str = ""
    metrics: tuple[str, ...] = METRICS
    measure_inputs: int = 1000
    schedule: str = "constant"
    kind: str = "train"
    lie_transforms: tuple[str, ...] = ()
    measure_at_init: bool = False
    shifts: str = "circular"
    target_loss: float | None = None
    augment_classes: tuple[int, ...] | None = None
    split_classes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        # JSON round trips give lists; keep the dataclass comparable and the key stable.
        object.__setattr__(self, "metrics", tuple(self.metrics))
        object.__setattr__(self, "lie_transforms", tuple(self.lie_transforms))
        for name in ("augment_classes", "split_classes"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, classes_tuple(value, name))
        if self.augment_classes is not None and not self.augment:
            raise ValueError(
                f"augment_classes={list(self.augment_classes)} needs an augmentation (augment), "
                "got augment=None"
            )
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"kind must be the name of a run kind, got {self.kind!r}")
        if self.shifts not in SHIFTS:
            raise ValueError(f"shifts must be one of {', '.join(SHIFTS)}, got {self.shifts!r}")

    def as_dict(self) -> dict:
        """Plain-JSON form (sorted size); later-added fields only when not at their default."""
        d = asdict(self)
        d["size"] = dict(sorted(self.size.items()))
        d["family"] = self.family or self.model
        d["metrics"] = list(self.metrics)
        d["lie_transforms"] = list(self.lie_transforms)
        for name in ("augment_classes", "split_classes"):
            if d[name] is not None:
                d[name] = list(d[name])
        for name, default in _OPTIONAL_IN_KEY.items():
            if getattr(self, name) == default:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        """Inverse of :meth:`as_dict` (unknown keys are an error)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(
                f"run configuration has unknown keys {sorted(unknown)}; known: {sorted(known)}"
            )
        return cls(**d)

    def key(self) -> str:
        """A stable hash of the configuration: the run's identity in the results store."""
        blob = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]

    def group_key(self) -> str:
        """The key of this configuration whatever its seed: runs with the same group key are
        seeds of one configuration, aggregated together in tables and figures."""
        return replace(self, seed=0).key()

    def label(self) -> str:
        """A short human-readable name, e.g. ``mlp(width=128,depth=2)+aug``."""
        size = ",".join(f"{k}={v}" for k, v in self.size.items())
        kind = "" if self.kind == "train" else f"{self.kind}:"
        aug = "+aug" if self.augment else ""
        if self.augment_classes is not None:
            aug += "[" + ",".join(map(str, self.augment_classes)) + "]"
        shifts = " @generator shifts" if self.shifts == "generator" else ""
        return f"{kind}{self.model}({size}){aug}{shifts}"


@dataclass(frozen=True)
class StudySpec:
    """A named list of runs, and the device they compute on by default (``invlab study
    --device`` overrides it; it is not part of any run's identity)."""

    name: str
    description: str
    runs: tuple[RunConfig, ...]
    wall_time: str = "not measured"
    device: str = "cpu"

    def with_seed(self, seed: int) -> StudySpec:
        """The same study with every run's seed replaced."""
        return self.with_seeds([seed])

    def with_seeds(self, seeds: list[int] | int) -> StudySpec:
        """The same configurations, each run once per seed in ``seeds`` (in this order; a
        count n means ``[0, ..., n - 1]``).

        Raises:
            ValueError: ``seeds`` is empty, repeats a seed or holds a negative or non-integer.
        """
        seeds = seeds_list(seeds if isinstance(seeds, int) else list(seeds))
        configs = {r.group_key(): r for r in self.runs}  # in order, one per configuration
        runs = tuple(replace(r, seed=s) for r in configs.values() for s in seeds)
        return replace(self, runs=runs)

    def seeds(self) -> list[int]:
        """The distinct seeds of the runs, sorted."""
        return sorted({r.seed for r in self.runs})


def seeds_list(value) -> list[int]:
    """The seeds a spec's ``seeds`` gives: a list of distinct integers >= 0, or a count n >= 1
    meaning ``[0, 1, ..., n - 1]``.

    Raises:
        ValueError: anything else (empty, negative, repeated, not integers), saying what is
            allowed.
    """
    allowed = "give a list of distinct integers >= 0 like [0, 1, 2], or a count like 3"
    if isinstance(value, bool) or not isinstance(value, (int, list, tuple)):
        raise ValueError(f"expected a list of seeds or a count, got {value!r}; {allowed}")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"a seed count must be >= 1, got {value}; {allowed}")
        return list(range(value))
    if not value:
        raise ValueError(f"the list of seeds is empty; {allowed}")
    _check_distinct_naturals(value, "seed", allowed)
    return list(value)


def classes_tuple(value, name: str = "classes") -> tuple[int, ...]:
    """A class list as a sorted tuple of distinct labels ``>= 0``.

    Raises:
        ValueError: ``value`` is empty, not a list of integers, holds a negative label or
            repeats one (the message names ``name`` and the value given).
    """
    allowed = "give a non-empty list of distinct integer labels >= 0, like [0, 1, 2, 3]"
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{name} must be a list of class labels, got {value!r}; {allowed}")
    _check_distinct_naturals(value, "label", allowed, prefix=f"{name}: ")
    return tuple(sorted(value))


def _check_distinct_naturals(values, item: str, allowed: str, prefix: str = "") -> None:
    """Raise ValueError unless every one of ``values`` (seeds, class labels: each an ``item``)
    is an integer ``>= 0`` (bools refused) and none repeats; ``allowed`` ends the message."""
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int) or v < 0]
    if bad:
        raise ValueError(f"{prefix}every {item} must be an integer >= 0, got {bad}; {allowed}")
    if len(set(values)) != len(values):
        raise ValueError(f"{prefix}a {item} is listed twice in {list(values)}; {allowed}")
