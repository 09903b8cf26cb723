"""The quick study runs end to end, stores a row per run, resumes, and still gives the numbers
stored beside this test (tests/data/size-vs-invariance-quick.csv), which keeps the stored
results the README's table is made from honest (see tests/test_readme.py)."""

from pathlib import Path

import numpy as np
import pandas as pd

from invlab.study import ResultStore, run_study, size_vs_invariance

STORED = Path(__file__).resolve().parent / "data" / "size-vs-invariance-quick.csv"


def test_quick_study_stores_every_run_resumes_and_gives_the_stored_numbers(tmp_path):
    spec = size_vs_invariance(quick=True)
    db = tmp_path / "results.db"
    events = []
    executed, skipped = run_study(spec, db, progress=lambda e, c, m: events.append(e))
    assert (executed, skipped) == (len(spec.runs), 0)
    with ResultStore(db) as store:
        runs = store.runs()
        assert len(runs) == len(spec.runs) and set(runs.status) == {"done"}
        cnn = runs[runs.model == "cnn"]
        # The circular CNN's pooled features are exactly shift invariant by construction.
        assert (cnn.sensitivity < 1e-8).all() and (cnn.consistency == 1.0).all()
        assert not store.layers().empty
    assert run_study(spec, db) == (0, len(spec.runs))

    # Same seeds, same numbers. Not bitwise: another torch thread count may split reductions
    # differently (last bits), and that may flip the argmax of a test input or two.
    stored = pd.read_csv(STORED).set_index("key").sort_index()
    now = runs.set_index("key").sort_index()[stored.columns]
    assert list(now.index) == list(stored.index) and (now.label == stored.label).all()
    assert (now.params == stored.params).all()
    for column in stored.columns.drop(["label", "seed", "params"]):
        np.testing.assert_allclose(now[column], stored[column], rtol=1e-3, atol=3e-3)
