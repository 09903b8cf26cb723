"""The README's API tour runs as written (executable documentation)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_tour_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python block"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    table = namespace["table"]
    goodfellow = table[table.metric == "goodfellow"].set_index("layer").value
    # The circular CNN's pooled features are exactly shift invariant: 1 / G = 100.
    assert goodfellow["pool"] > 99


# The README's results table is the output of the command in the comment above it, run on the
# default study's results; those are stored beside the tests (tests/data/, exported with
# `invlab runs results/results.db --csv`), and test_skeleton_study checks that the code still
# gives the stored numbers of the quick study.
TABLE = re.compile(
    r"<!-- results table: (?P<command>invlab report [^\n]*?) -->\n(?P<table>.*?)<!-- end -->",
    flags=re.S,
)
STORED = Path(__file__).resolve().parent / "data" / "size-vs-invariance.csv"


def test_readme_results_table_is_the_commands_output_for_the_stored_results():
    import shlex

    import pandas as pd

    from invlab.study import markdown_table

    found = TABLE.search(README.read_text())
    assert found, "the README has no '<!-- results table: invlab report ... -->' block"
    words = shlex.split(found["command"])
    labels = [words[i + 1] for i, word in enumerate(words) if word == "--label"]
    assert "--markdown" in words and labels
    runs = pd.read_csv(STORED)
    assert len(runs) == runs.group.nunique() * runs.seed.nunique()  # every seed of every run
    assert found["table"] == markdown_table(runs, labels=labels)
    assert f".venv/bin/{found['command']}\n" in README.read_text()  # shown as it is run
