"""The study spec file: its TOML schema (validated with pydantic), expanded into a grid of runs.

A spec names datasets, models with size grids, training regimes, the transformations and
metrics to measure, and seeds; the study is their cross product::

    name = "my-study"
    description = "What this study asks."
    datasets = ["mnist1d"]
    seeds = [0, 1]              # or a count: seeds = 3 means [0, 1, 2]

    [training]                  # defaults; a model or a regime may override them
    epochs = 20
    batch_size = 128
    lr = 1e-3

    [measure]
    transforms = ["shift:-10:10"]
    metrics = ["goodfellow", "sensitivity", "consistency", "accuracy"]
    steps = 9                   # points on each trajectory / accuracy curve
    inputs = 1000               # test inputs measured

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
    # kind = "kernel"                     # a run of invlab.study.kernel_runs (default "train")
    # seeds = 1                           # overrides the study's seeds for this entry

Runs are ordered dataset × model entry × grid point × regime × transformation × seed. Every
problem (unknown key, bad value, unknown model, dataset, size argument or transformation) is
reported with its location in the file and what is allowed, before anything runs.
"""

from __future__ import annotations

import itertools
import string
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from invlab.study.config import METRICS, RunConfig, StudySpec, seeds_list

PositiveInt = Annotated[int, Field(ge=1)]
SizeValue = int | float | str | bool


class SpecError(ValueError):
    """A study spec that cannot be used; the message lists every problem with its location."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# a learning rate is finite and positive: lr = inf or nan is refused when the spec is read,
# not after a run has trained on it (size-grid values may be inf: the Lp pool's p = inf)
Rate = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Training(_Strict):
    """Training budget: defaults for every run."""

    epochs: PositiveInt = 20
    batch_size: PositiveInt = 128
    lr: Rate = 1e-3
    schedule: Literal["constant", "cosine"] = "constant"


class Measure(_Strict):
    """What each trained model is measured for."""

    transforms: list[str] = Field(default_factory=lambda: ["shift:-10:10"], min_length=1)
    metrics: list[str] = Field(default_factory=lambda: list(METRICS), min_length=1)
    steps: Annotated[int, Field(ge=2)] = 9
    inputs: PositiveInt = 1000

    @field_validator("transforms")
    @classmethod
    def _transforms_parse(cls, value: list[str]) -> list[str]:
        for spec in value:
            _check_transform(spec)
        return value

    @field_validator("metrics")
    @classmethod
    def _metrics_known(cls, value: list[str]) -> list[str]:
        for m in value:
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; allowed: {', '.join(METRICS)}")
        if len(set(value)) != len(value):
            raise ValueError(f"metrics listed twice in {value}")
        return value


class Regime(_Strict):
    """A training regime: augmentation, optionally its own budget."""

    name: str
    augment: str | None = None
    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    lr: Rate | None = None
    schedule: Literal["constant", "cosine"] | None = None

    @field_validator("augment")
    @classmethod
    def _augment_parses(cls, value: str | None) -> str | None:
        if value in (None, "", "none"):
            return None
        _check_transform(value)
        return value


class ModelEntry(_Strict):
    """A model and the grid of its size arguments; ``kind`` other than ``train`` names a run
    of :mod:`invlab.study.kernel_runs` (its models and arguments listed there)."""

    kind: Literal["train", "kernel", "finite", "learn-dft"] = "train"  # before name: read there
    name: str
    grid: dict[str, SizeValue | list[SizeValue]] = Field(default_factory=dict)
    family: str | None = None
    augment: str | None = None  # this entry's augmentation, where the regime names none
    seeds: list[int] | None = None
    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    lr: Rate | None = None
    schedule: Literal["constant", "cosine"] | None = None

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds_list_or_count(cls, value: Any) -> list[int] | None:
        return None if value is None else seeds_list(value)

    @field_validator("name")
    @classmethod
    def _model_known(cls, value: str, info) -> str:
        kind = info.data.get("kind", "train")
        if kind == "train":
            from invlab.models import list_models

            if value not in list_models():
                raise ValueError(f"unknown model {value!r}; allowed: {', '.join(list_models())}")
        else:
            from invlab.study.kernel_runs import MODELS

            if value not in MODELS[kind]:
                raise ValueError(
                    f"kind {kind!r} has no model {value!r}; allowed: {', '.join(MODELS[kind])}"
                )
        return value

    @field_validator("augment")
    @classmethod
    def _entry_augment_parses(cls, value: str | None) -> str | None:
        if value in (None, "", "none"):
            return None
        _check_transform(value)
        return value

    @model_validator(mode="after")
    def _grid_matches_model(self) -> ModelEntry:
        if self.kind == "train":
            from invlab.models import list_models, model_signature

            allowed = model_signature(self.name)
            if "base" in allowed:  # a wrapper (symmetric): other arguments size its base model
                base = self.grid.get("base", allowed["base"])
                if isinstance(base, str) and base in list_models():
                    allowed = {**model_signature(base), **allowed}
        else:
            from invlab.study.kernel_runs import MODELS

            allowed = MODELS[self.kind][self.name]
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


class StudyFile(_Strict):
    """A whole study spec (the top level of the TOML file)."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    # measured wall time of the whole study, shown by ``invlab study --list``
    wall_time: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\n]+$")] = (
        "not measured"
    )
    datasets: list[str] = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0])
    training: Training = Field(default_factory=Training)
    measure: Measure = Field(default_factory=Measure)
    regimes: list[Regime] = Field(default_factory=lambda: [Regime(name="plain")], min_length=1)
    models: list[ModelEntry] = Field(min_length=1)

    @field_validator("datasets")
    @classmethod
    def _datasets_known(cls, value: list[str]) -> list[str]:
        from invlab.data import list_datasets

        for name in value:
            if name not in list_datasets():
                raise ValueError(f"unknown dataset {name!r}; allowed: {', '.join(list_datasets())}")
        return value

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds_list_or_count(cls, value: Any) -> list[int]:
        return seeds_list(value)

    def to_spec(self) -> StudySpec:
        """Expand the grid into a :class:`StudySpec`."""
        t, m = self.training, self.measure
        runs = []
        for dataset, entry in itertools.product(self.datasets, self.models):
            for size, regime in itertools.product(entry.sizes(), self.regimes):
                seeds = entry.seeds or self.seeds
                for transform, seed in itertools.product(m.transforms, seeds):
                    runs.append(
                        RunConfig(
                            dataset=dataset,
                            model=entry.name,
                            size=size,
                            augment=regime.augment or entry.augment,
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
                        )
                    )
        keys = [r.key() for r in runs]
        if len(set(keys)) != len(keys):
            raise SpecError(f"study {self.name!r}: the grid lists the same run more than once")
        return StudySpec(self.name, self.description, tuple(runs), wall_time=self.wall_time)


def _first(*values):
    return next(v for v in values if v is not None)


def _check_transform(spec: str) -> None:
    """Raise ValueError unless ``spec`` parses for signals or for images."""
    from invlab.transforms.spec import parse_transform

    errors = []
    for dims in (1, 2):
        try:
            parse_transform(spec, dims)
            return
        except (TypeError, ValueError) as exc:
            errors.append(str(exc))
    raise ValueError(errors[0])


def parse_spec(data: dict[str, Any], source: str = "<spec>") -> StudySpec:
    """Validate a spec given as a dict (the parsed TOML) and expand it.

    Raises:
        SpecError: listing each problem as ``source: location: message``.
    """
    try:
        return StudyFile.model_validate(data).to_spec()
    except ValidationError as exc:
        raise SpecError(_format_errors(exc, source)) from None


def load_spec(path: str | Path) -> StudySpec:
    """Read, validate and expand a TOML study spec.

    Raises:
        SpecError: the file is missing, is not TOML, or does not describe a valid study.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"study spec {str(path)!r} does not exist (give a .toml file)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path))


def _format_errors(exc: ValidationError, source: str) -> str:
    lines = [f"{source}: {exc.error_count()} problem(s) in the study spec"]
    for err in exc.errors():
        loc = _location(err["loc"])
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(err["loc"][:-1])
            message = f"unknown key; allowed: {', '.join(allowed)}"
        elif err["type"] == "missing":
            message = "required key is missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if "input" in err and err["type"] not in ("value_error",):
                message += f" (got {err['input']!r})"
        lines.append(f"  {loc or '(top level)'}: {message}")
    return "\n".join(lines)


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys allowed at ``loc`` (the table that held an unknown key)."""
    model: type[BaseModel] = StudyFile
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)
