"""The ``[training]``, ``[measure]`` and ``[[regimes]]`` tables of a study spec (pydantic
models, strict: an unknown key is an error), and the checks their values share with the
``[[models]]`` entries (:mod:`invlab.study.spec.study_file`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from invlab.study.spec.run_config import METRICS, OPTIONAL_METRICS, classes_tuple

PositiveInt = Annotated[int, Field(ge=1)]
LIE_KINDS = ("shift", "rotate", "scale")  # transformations with a continuous action


class StrictTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# a learning rate is finite and positive: lr = inf or nan is refused when the spec is read,
# not after a run has trained on it (size-grid values may be inf: the Lp pool's p = inf)
Rate = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# a target training cross-entropy (RunConfig.target_loss): finite and positive
Loss = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _class_labels(value: Any, info: ValidationInfo) -> list[int] | None:
    return None if value is None else list(classes_tuple(value, info.field_name))


# a list of distinct class labels >= 0, sorted (classes_tuple); None: every class
ClassLabels = Annotated[list[int] | None, BeforeValidator(_class_labels)]


class Training(StrictTable):
    """Training budget: defaults for every run."""

    epochs: PositiveInt = 20
    batch_size: PositiveInt = 128
    lr: Rate = 1e-3
    schedule: Literal["constant", "cosine"] = "constant"
    target_loss: Loss | None = None


class Measure(StrictTable):
    """What each trained model is measured for."""

    transforms: list[str] = Field(default_factory=lambda: ["shift:-10:10"], min_length=1)
    metrics: list[str] = Field(default_factory=lambda: list(METRICS), min_length=1)
    steps: Annotated[int, Field(ge=2)] = 9
    inputs: PositiveInt = 1000
    lie_transforms: list[str] = Field(default_factory=list)
    at_init: bool = False
    shifts: list[Literal["circular", "generator"]] = Field(
        default_factory=lambda: ["circular"], min_length=1
    )
    split_classes: ClassLabels = None

    @field_validator("transforms")
    @classmethod
    def _transforms_parse(cls, value: list[str]) -> list[str]:
        for spec in value:
            check_transform(spec)
        return value

    @field_validator("lie_transforms")
    @classmethod
    def _lie_transforms_continuous(cls, value: list[str]) -> list[str]:
        for spec in value:
            check_transform(spec)
            if "+" in spec or spec.split(":")[0].strip().lower() not in LIE_KINDS:
                raise ValueError(
                    f"lie_transforms: {spec!r} has no Lie derivative; give one of "
                    f"{', '.join(LIE_KINDS)} each, like 'rotate:-30:30'"
                )
        kinds = [s.split(":")[0].strip().lower() for s in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"lie_transforms: a kind is listed twice in {value}")
        return value

    @field_validator("metrics")
    @classmethod
    def _metrics_known(cls, value: list[str]) -> list[str]:
        for m in value:
            if m not in METRICS + OPTIONAL_METRICS:
                allowed = ", ".join(METRICS + OPTIONAL_METRICS)
                raise ValueError(f"unknown metric {m!r}; allowed: {allowed}")
        if len(set(value)) != len(value):
            raise ValueError(f"metrics listed twice in {value}")
        return value


class RunOverrides(StrictTable):
    """What a ``[[regimes]]`` table and a ``[[models]]`` entry may each set for their runs: an
    augmentation and their own values of the ``[training]`` budget (``None``: not set here)."""

    augment: str | None = None
    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    lr: Rate | None = None
    schedule: Literal["constant", "cosine"] | None = None
    target_loss: Loss | None = None

    @field_validator("augment")
    @classmethod
    def _augment_parses(cls, value: str | None) -> str | None:
        if value in (None, "", "none"):
            return None
        check_transform(value)
        return value


class Regime(RunOverrides):
    """A training regime: augmentation, optionally its own budget."""

    name: str


def check_transform(spec: str) -> None:
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
