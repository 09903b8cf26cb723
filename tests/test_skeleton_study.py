"""The quick study runs end to end, stores a row per run and resumes."""

from invlab.study import ResultStore, run_study, size_vs_invariance


def test_quick_study_stores_every_run_and_resumes(tmp_path):
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
