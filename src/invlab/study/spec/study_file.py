"""The study spec file: its TOML schema (validated with pydantic), expanded into a grid of runs.

A spec names datasets, models with size grids, training regimes, the transformations and
metrics to measure, and seeds; the study is their cross product::

    name = "my-study"
    description = "What this study asks."
    datasets = ["mnist1d"]
    seeds = [0, 1]              # or a count: seeds = 3 means [0, 1, 2]
    device = "cpu"              # or cuda, cuda:N, mps, auto (invlab study --device overrides)

    [training]                  # defaults; a model or a regime may override them
    epochs = 20                 # with target_loss: the cap
    batch_size = 128
    lr = 1e-3
    # target_loss = 0.05        # matched fit: stop when the training cross-entropy reaches it

    [measure]
    transforms = ["shift:-10:10"]
    metrics = ["goodfellow", "sensitivity", "consistency", "accuracy"]
    steps = 9                   # points on each trajectory / accuracy curve
    inputs = 1000               # test inputs measured
    # lie_transforms = ["shift:-2:2", "rotate:-30:30"]  # train-lie: Lie derivative of each
    # at_init = true                                    # train-lie: also before training
    shifts = ["circular"]       # or "generator": MNIST-1D's own translation (mnist1d only)
    # split_classes = [0, 1, 2] # also store the metrics of these classes' inputs and the rest's

    [[regimes]]
    name = "plain"

    [[regimes]]
    name = "shift augmentation"
    augment = "shift:-10:10"

    [[models]]
    name = "mlp"
    family = "mlp depth {depth}"          # plot group; {size arguments} are filled in
    grid = { width = [32, 128], depth = [1, 2] }
    lr = 1e-3                             # overrides [training]
    # kind = "kernel"                     # a run kind of invlab.study.runs (default "train")
    # augment_classes = [0, 1]            # augment only these classes' training samples
    # seeds = 1                           # overrides the study's seeds for this entry
    # datasets = ["digits"]               # overrides the study's datasets for this entry

Runs are ordered dataset × model entry × grid point × regime × transformation × shifts ×
seed (the datasets in the order the study, then the entries, first name them). Every
problem (unknown key, bad value, unknown model, dataset, size argument or transformation) is
reported with its location in the file and what is allowed, before anything runs.
"""

from __future__ import annotations

import itertools
import string
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from invlab.study.spec.problems import format_errors
from invlab.study.spec.run_config import RunConfig, StudySpec, seeds_list
from invlab.study.spec.sections import (
    ClassLabels,
    Measure,
    Regime,
    RunOverrides,
    StrictTable,
    Training,
)

SizeValue = int | float | str | bool


class SpecError(ValueError):
    """A study spec that cannot be used; the message lists every problem with its location."""


class ModelEntry(RunOverrides):
    """A model and the grid of its size arguments; ``kind`` names the run kind
    (:func:`invlab.study.runs.list_kinds`) that accepts the model and its size arguments."""

    kind: str = "train"  # before name: read there
    name: str
    grid: dict[str, SizeValue | list[SizeValue]] = Field(default_factory=dict)
    family: str | None = None
    # augment (RunOverrides): this entry's augmentation, where the regime names none
    augment_classes: ClassLabels = None  # the labels augmented (default: all)
    seeds: list[int] | None = None
    datasets: list[str] | None = Field(default=None, min_length=1)

    @field_validator("datasets")
    @classmethod
    def _entry_datasets_known(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _known_datasets(value)

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds_list_or_count(cls, value: Any) -> list[int] | None:
        return None if value is None else seeds_list(value)

    @field_validator("kind")
    @classmethod
    def _kind_known(cls, value: str) -> str:
        from invlab.study.runs import get_kind

        get_kind(value)
        return value

    @field_validator("name")
    @classmethod
    def _model_known(cls, value: str, info) -> str:
        from invlab.study.runs import get_kind

        kind = info.data.get("kind")
        if kind is None:  # the kind was refused; its error says why
            return value
        allowed = get_kind(kind).models()
        if value not in allowed:
            what = f"kind {kind!r} has no model" if kind != "train" else "unknown model"
            raise ValueError(f"{what} {value!r}; allowed: {', '.join(allowed)}")
        return value

    @model_validator(mode="after")
    def _grid_matches_model(self) -> ModelEntry:
        from invlab.study.runs import get_kind

        allowed = get_kind(self.kind).size_arguments(self.name, self.grid)
        for arg, values in self.grid.items():
            if arg not in allowed:
                raise ValueError(
                    f"grid: model {self.name!r} has no size argument {arg!r}; "
                    f"allowed: {', '.join(allowed) or '(none)'}"
                )
            if isinstance(values, list) and not values:
                raise ValueError(f"grid.{arg}: give at least one value")
        if self.family:
            fields = {f for _, f, _, _ in string.Formatter().parse(self.family) if f}
            missing = fields - set(self.grid)
            if missing:
                raise ValueError(
                    f"family {self.family!r} names {sorted(missing)}, which are not in grid; "
                    f"allowed: {', '.join(self.grid) or '(none)'}"
                )
        return self

    def sizes(self) -> list[dict]:
        """Every point of the grid, first argument outermost."""
        axes = [v if isinstance(v, list) else [v] for v in self.grid.values()]
        return [dict(zip(self.grid, point)) for point in itertools.product(*axes)]


class StudyFile(StrictTable):
    """A whole study spec (the top level of the TOML file)."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    # measured wall time of the whole study, shown by ``invlab study --list``
    wall_time: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\n]+$")] = (
        "not measured"
    )
    datasets: list[str] = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0])
    # where the runs compute by default: cpu, cuda, cuda:N, mps or auto
    device: Annotated[str, Field(pattern=r"^(cpu|cuda(:\d+)?|mps|auto)$")] = "cpu"
    training: Training = Field(default_factory=Training)
    measure: Measure = Field(default_factory=Measure)
    regimes: list[Regime] = Field(default_factory=lambda: [Regime(name="plain")], min_length=1)
    models: list[ModelEntry] = Field(min_length=1)

    @field_validator("datasets")
    @classmethod
    def _datasets_known(cls, value: list[str]) -> list[str]:
        return _known_datasets(value)

    @model_validator(mode="after")
    def _generator_shifts_fit(self) -> StudyFile:
        if "generator" in self.measure.shifts:
            other = [d for d in self.datasets if d != "mnist1d"]
            if other:
                raise ValueError(
                    f"measure.shifts 'generator' regenerates MNIST-1D; datasets {other} are "
                    "not mnist1d (use shifts = ['circular'] for them)"
                )
            kinds = sorted({m.kind for m in self.models} - {"train"})
            if kinds:
                raise ValueError(
                    f"measure.shifts 'generator' is measured by train runs, not {kinds}"
                )
            bad = [t for t in self.measure.transforms if not t.startswith("shift:")]
            if bad:
                raise ValueError(
                    f"measure.shifts 'generator' needs shift transforms (shift:LOW:HIGH), got {bad}"
                )
        return self

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds_list_or_count(cls, value: Any) -> list[int]:
        return seeds_list(value)

    @model_validator(mode="after")
    def _lie_options_for_train_lie(self) -> StudyFile:
        if self.measure.lie_transforms or self.measure.at_init:
            other = sorted({e.kind for e in self.models} - {"train-lie"})
            if other:
                raise ValueError(
                    "measure.lie_transforms and measure.at_init apply to kind 'train-lie' "
                    f"only; the models list kind {', '.join(map(repr, other))}"
                )
        return self

    def to_spec(self) -> StudySpec:
        """Expand the grid into a :class:`StudySpec`."""
        t, m = self.training, self.measure
        runs = []
        datasets = list(
            dict.fromkeys(self.datasets + [d for e in self.models for d in e.datasets or []])
        )
        for dataset, entry in itertools.product(datasets, self.models):
            if dataset not in (entry.datasets or self.datasets):
                continue
            for size, regime in itertools.product(entry.sizes(), self.regimes):
                augment = regime.augment or entry.augment
                if entry.augment_classes is not None and augment is None:
                    raise SpecError(
                        f"study {self.name!r}: model {entry.name!r} gives augment_classes but "
                        f"regime {regime.name!r} has no augmentation; set the entry's augment"
                    )
                seeds = entry.seeds or self.seeds
                for transform, shifts, seed in itertools.product(m.transforms, m.shifts, seeds):
                    runs.append(
                        RunConfig(
                            dataset=dataset,
                            model=entry.name,
                            size=size,
                            augment=augment,
                            transform=transform,
                            epochs=_first(regime.epochs, entry.epochs, t.epochs),
                            batch_size=_first(regime.batch_size, entry.batch_size, t.batch_size),
                            lr=_first(regime.lr, entry.lr, t.lr),
                            schedule=_first(regime.schedule, entry.schedule, t.schedule),
                            seed=seed,
                            steps=m.steps,
                            family=entry.family.format(**size) if entry.family else entry.name,
                            metrics=tuple(m.metrics),
                            measure_inputs=m.inputs,
                            kind=entry.kind,
                            lie_transforms=tuple(m.lie_transforms),
                            measure_at_init=m.at_init,
                            shifts=shifts,
                            target_loss=_first(
                                regime.target_loss, entry.target_loss, t.target_loss, None
                            ),
                            augment_classes=entry.augment_classes,
                            split_classes=m.split_classes,
                        )
                    )
        keys = [r.key() for r in runs]
        if len(set(keys)) != len(keys):
            raise SpecError(f"study {self.name!r}: the grid lists the same run more than once")
        return StudySpec(
            self.name, self.description, tuple(runs), wall_time=self.wall_time, device=self.device
        )


def _known_datasets(value: list[str]) -> list[str]:
    from invlab.data import list_datasets

    for name in value:
        if name not in list_datasets():
            raise ValueError(f"unknown dataset {name!r}; allowed: {', '.join(list_datasets())}")
    return value


def _first(*values):
    return next((v for v in values if v is not None), None)


def parse_spec(data: dict[str, Any], source: str = "<spec>") -> StudySpec:
    """Validate a spec given as a dict (the parsed TOML) and expand it.

    Args:
        data: the spec's tables and keys, as :func:`tomllib.loads` gives them.
        source: where ``data`` came from, the prefix of every error message.

    Returns:
        The :class:`StudySpec` with one :class:`RunConfig` per run (grids, regimes, datasets
        and seeds expanded).

    Raises:
        SpecError: listing each problem as ``source: location: message``.

    Examples:
        >>> spec = parse_spec({
        ...     "name": "tiny", "datasets": ["mnist1d"], "training": {"epochs": 1},
        ...     "measure": {"transforms": ["shift:-4:4"], "inputs": 100, "steps": 5},
        ...     "models": [{"name": "mlp", "grid": {"width": 8, "depth": 1}}],
        ... })
        >>> spec.name, len(spec.runs), spec.runs[0].model, spec.runs[0].size
        ('tiny', 1, 'mlp', {'width': 8, 'depth': 1})
        >>> parse_spec({"name": "bad"}, source="bad.toml")
        Traceback (most recent call last):
        ...
        invlab.study.spec.study_file.SpecError: bad.toml: 2 problem(s) in the study spec
          datasets: required key is missing
          models: required key is missing
    """
    try:
        return StudyFile.model_validate(data).to_spec()
    except ValidationError as exc:
        raise SpecError(format_errors(exc, source, StudyFile)) from None


def load_spec(path: str | Path) -> StudySpec:
    """Read, validate and expand a TOML study spec.

    Args:
        path: the ``.toml`` file (the built-in specs are in ``invlab/study/specs/``).

    Returns:
        The :class:`StudySpec`, as :func:`parse_spec` gives it.

    Raises:
        SpecError: the file is missing, is not TOML, or does not describe a valid study.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "tiny.toml"
        ...     _ = path.write_text('''
        ... name = "tiny"
        ... datasets = ["mnist1d"]
        ... [[models]]
        ... name = "mlp"
        ... grid = { width = [8, 16], depth = 1 }
        ... ''')
        ...     spec = load_spec(path)
        >>> [run.size["width"] for run in spec.runs]
        [8, 16]
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"study spec {str(path)!r} does not exist (give a .toml file)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path))
