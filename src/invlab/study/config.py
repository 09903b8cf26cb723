"""What a study is: a list of run configurations, each one training plus measurement."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace

METRICS = ("goodfellow", "sensitivity", "consistency", "accuracy")
# Fields added after the first release enter the run's key only when they differ from their
# default, so the keys (and the databases) of earlier studies stay valid.
_OPTIONAL_IN_KEY = {"metrics": METRICS, "measure_inputs": 1000, "schedule": "constant"}


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

    def __post_init__(self) -> None:
        # JSON round trips give lists; keep the dataclass comparable and the key stable.
        object.__setattr__(self, "metrics", tuple(self.metrics))

    def as_dict(self) -> dict:
        """Plain-JSON form (sorted size); later-added fields only when not at their default."""
        d = asdict(self)
        d["size"] = dict(sorted(self.size.items()))
        d["family"] = self.family or self.model
        d["metrics"] = list(self.metrics)
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
        return f"{self.model}({size}){'+aug' if self.augment else ''}"


@dataclass(frozen=True)
class StudySpec:
    """A named list of runs."""

    name: str
    description: str
    runs: tuple[RunConfig, ...]

    def with_seed(self, seed: int) -> StudySpec:
        """The same study with every run's seed replaced."""
        runs = tuple(replace(r, seed=seed) for r in self.runs)
        return StudySpec(self.name, self.description, runs)
