"""Before anything trains: does every run's transformation and model fit its dataset?

A spec can be valid key by key and still pair a 2D rotation with 1D signals, or a G-CNN with
MNIST-1D; without this check such a run fails only when its turn comes, possibly after an
hour of other runs. :func:`check_runs_fit` loads each dataset once and tries each pairing
once, and reports every misfit together.
"""

from __future__ import annotations

from invlab.study.spec.run_config import RunConfig
from invlab.study.spec.study_file import SpecError


class RunMisfitError(SpecError):
    """Runs whose transformation or model does not fit their dataset (every one listed)."""


def check_runs_fit(runs: tuple[RunConfig, ...] | list[RunConfig]) -> None:
    """Raise :class:`RunMisfitError` unless every run's ``transform``, ``augment`` and model
    accept its dataset's inputs (rank and size).

    Each run's kind checks its model against the dataset (``RunKind.check_fits``: a zoo model
    is built on the dataset's input shape, not trained); each distinct (kind, dataset, model,
    size) and (dataset, transformation) pair is checked once.
    """
    from invlab.study.runs import get_kind
    from invlab.study.runs.common import dataset as _dataset
    from invlab.transforms.spec import parse_transform

    problems: list[str] = []
    seen: set = set()
    for config in runs:
        ds = _dataset(config.dataset)
        problem = _too_few_inputs(config, len(ds.x_test))
        if problem and (config.dataset, "inputs", config.measure_inputs) not in seen:
            seen.add((config.dataset, "inputs", config.measure_inputs))
            problems.append(problem)
        spatial = len(ds.in_shape) - 1
        kind = "signals (C, N)" if spatial == 1 else "images (C, H, W)"
        for role, spec in (("transform", config.transform), ("augment", config.augment)):
            if spec is None or (config.dataset, spec) in seen:
                continue
            seen.add((config.dataset, spec))
            try:
                parse_transform(spec, spatial)
            except (TypeError, ValueError) as exc:
                problems.append(
                    f"{role} {spec!r} does not fit dataset {config.dataset!r} ({kind} of shape "
                    f"{ds.in_shape}): {exc}"
                )
        key = (config.kind, config.dataset, config.model, tuple(sorted(config.size.items())))
        if key in seen:
            continue
        seen.add(key)
        try:
            get_kind(config.kind).check_fits(config, ds.in_shape, ds.num_classes)
        except (TypeError, ValueError, RuntimeError) as exc:
            problems.append(
                f"model {config.label()} does not fit dataset {config.dataset!r} ({kind} of "
                f"shape {ds.in_shape}): {exc}"
            )
    if problems:
        raise RunMisfitError(
            f"{len(problems)} problem(s) before any training:\n  " + "\n  ".join(problems)
        )


def _too_few_inputs(config: RunConfig, test_size: int) -> str | None:
    """Why ``config`` cannot measure its Goodfellow score on the inputs it gets, if it cannot:
    the first ``measure_inputs`` of the test split must hold at least one firing input per
    unit at the measured firing rate (1 / rate inputs)."""
    import inspect
    import math

    from invlab.measure.profiling import compute_profile

    if "goodfellow" not in config.metrics or config.kind not in ("train", "learn-dft"):
        return None
    rate = inspect.signature(compute_profile).parameters["firing_rate"].default
    needed = math.ceil(1 / rate)
    n = min(config.measure_inputs, test_size)
    if n >= needed:
        return None
    return (
        f"[measure] inputs = {config.measure_inputs} on dataset {config.dataset!r} "
        f"({test_size} test inputs) measures {n} input(s): the Goodfellow score at a firing "
        f"rate of {rate} needs at least {needed}; set inputs >= {needed} or drop goodfellow "
        "from [measure] metrics"
    )
