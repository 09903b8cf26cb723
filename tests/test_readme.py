"""The README's API tour runs as written (executable documentation)."""

import re

from _paths import REPO

README = REPO / "README.md"


def test_readme_python_tour_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python block"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    table = namespace["table"]
    goodfellow = table[table.metric == "goodfellow"].set_index("layer").value
    # The circular CNN's pooled features are exactly shift invariant: 1 / G = 100.
    assert goodfellow["pool"] > 99


# The README's results table is the output of the command in the block's marker, run on the
# default study's committed results (docs/data/size-vs-invariance.db, written by `make study`);
# the README shows the same command on results/results.db, as a user runs it after `make study`.
def test_readme_results_table_is_the_commands_output_for_the_committed_results(monkeypatch):
    import shlex

    from invlab.cli.page_cmd import blocks, command_output

    text = README.read_text()
    found = blocks(text)
    assert len(found) == 1, "the README has no '<!-- table: invlab report ... -->' block"
    command = found[0]["command"]
    assert "docs/data/size-vs-invariance.db" in command and "--label" in command
    monkeypatch.chdir(README.parent)
    assert found[0]["table"] == command_output(command)
    shown = command.replace("docs/data/size-vs-invariance.db", "results/results.db")
    assert f".venv/bin/{shown}\n" in text  # the command a user runs after make study
    assert len(shlex.split(command)) > 4
