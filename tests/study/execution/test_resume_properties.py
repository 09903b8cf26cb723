"""Property: a study interrupted at any run, then resumed, stores exactly the rows of a study
that was never interrupted.

Interruption is simulated in-process, as SIGINT does it: a ``KeyboardInterrupt`` raised from
the progress callback, either when a run starts (the run in flight is lost) or just after a run
is stored, at a generated run index, once or twice in a row before the final resume.
``tests/test_study_resume.py`` covers the real thing (``kill -9`` of a subprocess); this
property covers every interruption point, on the smallest study that still has several runs:
2 seeds × 2 widths of a one-hidden-layer MLP on sklearn digits, one epoch, 100 inputs
measured (the fewest a 1 % firing rate allows).

"The same rows": the same keys, each once, with status ``done`` and one attempt, and the same
configuration, metrics (timings excepted), per-layer values and accuracy curves, bit for bit.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from _hypothesis_profiles import budget
from _specs import tiny_spec
from invlab.study import ResultStore, parse_spec, run_study

# One torch thread: these tensors are tiny, and on a loaded machine a 2-thread pool stalls
# at every op (about 30x slower here); bit-for-bit comparisons also want a fixed count.
pytestmark = pytest.mark.usefixtures("one_torch_thread")

SPEC = parse_spec(
    tiny_spec(
        name="resume-property",
        datasets=["digits"],
        seeds=[0, 1],
        training={"batch_size": 512},
        measure={"transforms": ["shift:-1:1"], "steps": 3},
        regimes=None,
        models=[{"name": "mlp", "grid": {"width": [4, 6], "depth": 1}}],
    )
)
RUNS = len(SPEC.runs)
TIMINGS = ["seconds", "finished", "started", "worker", "train_seconds", "measure_seconds"]


class Interrupt:
    """A progress callback that raises ``KeyboardInterrupt`` at the ``at``-th ``event``."""

    def __init__(self, event: str, at: int) -> None:
        self.event, self.at, self.seen = event, at, 0

    def __call__(self, event, config, info) -> None:
        if event == self.event:
            if self.seen == self.at:
                raise KeyboardInterrupt
            self.seen += 1


def stored(db: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs (timings dropped), per-layer values and curves, in a canonical order."""
    with ResultStore(db) as store:
        runs = store.runs()
        layers, curves = store.layers(), store.curves()
    if runs.empty:
        return runs, layers, curves
    runs = runs.drop(columns=[c for c in TIMINGS if c in runs]).sort_values("key")
    layers = layers.sort_values(["key", "layer", "metric"]) if not layers.empty else layers
    curves = curves.sort_values(["key", "param"]) if not curves.empty else curves
    return tuple(t.reset_index(drop=True) for t in (runs, layers, curves))


def rows_of(tables, keys) -> tuple[pd.DataFrame, ...]:
    return tuple(t[t.key.isin(keys)].reset_index(drop=True) for t in tables)


@functools.cache
def uninterrupted() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "reference.db"
        assert run_study(SPEC, db) == (RUNS, 0)
        return stored(db)


@pytest.fixture(scope="module", autouse=True)
def _fresh_reference():
    yield
    uninterrupted.cache_clear()


@budget(5)
@given(
    cuts=st.lists(
        st.tuples(st.sampled_from(["start", "done"]), st.integers(0, RUNS - 1)),
        min_size=1,
        max_size=2,
    )
)
def test_resume_after_an_interruption_leaves_exactly_the_rows_of_an_uninterrupted_study(cuts):
    reference = uninterrupted()
    assert len(reference[0]) == RUNS and (reference[0].status == "done").all()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "results.db"
        done = 0
        for event, at in cuts:
            # "at" counts the events of this attempt: runs already stored are skipped silently
            at = min(at, RUNS - done - 1)
            with pytest.raises(KeyboardInterrupt):
                run_study(SPEC, db, progress=Interrupt(event, at))
            done += at + (event == "done")
            now = stored(db)
            assert len(now[0]) == done  # the interrupted run (if in flight) left nothing
            if done:  # what is stored so far is already exactly the reference's rows
                for got, want in zip(now, rows_of(reference, set(now[0].key))):
                    pd.testing.assert_frame_equal(got, want, check_exact=True)
            if done == RUNS:
                break
        assert run_study(SPEC, db) == (RUNS - done, done)
        final = stored(db)
        assert (final[0].attempts == 1).all() and final[0].key.is_unique
        for got, want in zip(final, reference):
            pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert torch.get_num_threads() == 1
