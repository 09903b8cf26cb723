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
