"""What a study is: a list of run configurations, each one training plus measurement."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


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
        seed: seeds the weights, the minibatch order and the augmentation.
        steps: points on each measured trajectory.
        family: the group the run is plotted in (defaults to the model name).
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

    def as_dict(self) -> dict:
        """Plain-JSON form (sorted size)."""
        d = asdict(self)
        d["size"] = dict(sorted(self.size.items()))
        d["family"] = self.family or self.model
        return d

    def key(self) -> str:
        """A stable hash of the configuration: the run's identity in the results store."""
        blob = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]

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
        runs = tuple(RunConfig(**{**r.as_dict(), "seed": seed}) for r in self.runs)
        return StudySpec(self.name, self.description, runs)
