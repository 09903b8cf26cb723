"""The HTML report of a results database: one self-contained file, figures inline.

Sections: the configurations aggregated over seeds (mean ± 95 % interval, n); invariance
against parameter count per family, with and without augmentation; accuracy against
transformation magnitude; per-layer invariance profiles (every figure: means over seeds with
their intervals); the failed runs with their error messages; a sortable table of every stored
run (failed ones included). No external resource is loaded: figures are base64 PNGs, the style
and the sorting script are inline.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import time
from pathlib import Path

import pandas as pd

from invlab.study.report.columns import COLUMNS, SUMMARY_METRICS
from invlab.study.report.figures import INTERVAL, curve_figure, layer_figure, size_figure
from invlab.study.report.summary import AGGREGATED, NO_INTERVAL, summary_table, with_interval

TABLE_COLUMNS = [("label", "run"), ("family", "family"), ("augment", "augment")]
TABLE_COLUMNS += [("seed", "seed"), ("status", "status")]
TABLE_COLUMNS += [(name, COLUMNS[name].header) for name in ("params", *SUMMARY_METRICS, "seconds")]
TABLE_COLUMNS += [("attempts", "attempts"), ("key", "key"), ("error", "error")]
NUMERIC = {"seed", "params", *SUMMARY_METRICS, "seconds", "attempts"}


def write_report(db_path: str | Path, path: str | Path, study: str | None = None) -> Path:
    """Write the HTML report of the runs stored in ``db_path`` to ``path``.

    Args:
        db_path: an invlab results database (it must exist).
        path: the HTML file to write (its folder is created).
        study: only this study's runs (default: every run in the database).

    Raises:
        StoreError: ``db_path`` is missing or not an invlab results database.
        ValueError: ``study`` has no runs in the database.

    Returns:
        ``path``, as a :class:`~pathlib.Path`.

    Examples:
        The report of a database holding one finished run (:mod:`invlab.study.store.example`):

        >>> import tempfile, pathlib
        >>> from invlab.study.store.example import example_database, example_run
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     db = example_database(pathlib.Path(folder) / "results.db")
        ...     page = write_report(db, pathlib.Path(folder) / "report" / "tiny.html")
        ...     text = page.read_text(encoding="utf-8")
        >>> page.name, text.startswith("<!DOCTYPE html>"), example_run()[0].label() in text
        ('tiny.html', True, True)
    """
    from invlab.study.store.read import read_study

    runs, layers, curves = read_study(db_path, study)
    return save_report(runs, layers, curves, path, title=study or Path(db_path).name)


def save_report(runs, layers, curves, path: str | Path, title: str) -> Path:
    """Write :func:`render_report` of these tables to ``path`` (its folder is created)."""
    from invlab._atomic import write_text

    return write_text(path, render_report(runs, layers, curves, title=title))


def render_report(
    runs: pd.DataFrame, layers: pd.DataFrame, curves: pd.DataFrame, title: str
) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    done = runs[runs.status == "done"] if len(runs) else runs
    sections = []
    if len(done):
        sections.append(
            _section(
                "Invariance against parameter count",
                "Per family, solid without augmentation, dashed with. Read at the last hidden "
                "layer; sensitivity 0 means invariant, Goodfellow score higher means more "
                f"invariant. Each point: the mean over seeds; {INTERVAL}.",
                _png(size_figure(done, title="Invariance against size")),
                "fig-size",
            )
        )
        if len(curves):
            sections.append(
                _section(
                    "Accuracy against transformation magnitude",
                    "Test accuracy with every input transformed by the same parameter; one "
                    "line per configuration (the mean over seeds), coloured by family; "
                    f"{INTERVAL}.",
                    _png(curve_figure(curves)),
                    "fig-curve",
                )
            )
        if len(layers):
            sections.append(
                _section(
                    "Per-layer invariance profiles",
                    "Each metric at every layer, input to output; one line per configuration "
                    f"(the mean over seeds); {INTERVAL}.",
                    _png(layer_figure(layers)),
                    "fig-layers",
                )
            )
        sections.insert(0, _summary(done))
    else:
        sections.append("<p class='empty'>No finished runs yet: nothing to plot.</p>")
    failed = runs[runs.status == "failed"] if len(runs) else runs
    if len(failed):
        sections.append(_failures(failed))
    counts = runs.status.value_counts().to_dict() if len(runs) else {}
    versions = _versions(runs)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no runs"
    return _PAGE.format(
        title=html.escape(title),
        summary=html.escape(summary),
        generated=time.strftime("%Y-%m-%d %H:%M:%S"),
        versions=html.escape(versions),
        sections="\n".join(sections),
        table=_table(runs),
        script=_SCRIPT,
        style=_STYLE,
    )


def _section(heading: str, text: str, image: str, ident: str) -> str:
    return (
        f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>"
        f"<img id='{ident}' class='figure' alt='{html.escape(heading)}' "
        f"src='data:image/png;base64,{image}'></section>"
    )


def _summary(done: pd.DataFrame) -> str:
    """The configurations aggregated over seeds: mean ± 95 % interval, and n."""
    summary = summary_table(done)
    head = ["run", "augment", "n", *(COLUMNS[name].header for name in AGGREGATED)]
    body = []
    for row in summary.to_dict("records"):
        augment = "none" if pd.isna(row["augment"]) else str(row["augment"])
        cells = [row["label"], augment, str(row["n"])]
        cells += [
            with_interval(name, row[name], row[f"{name}_ci"], row[f"{name}_basis"])
            for name in AGGREGATED
        ]
        body.append(
            f"<tr data-group='{html.escape(row['group'])}'>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    note = (
        "Mean ± half-width of the 95 % interval: over the n seeds of each row and the test "
        "inputs for the accuracies and consistency, over the seeds for the rest"
    )
    note += f"; {NO_INTERVAL}." if (summary.n == 1).any() else "."
    return (
        f"<section><h2>Summary over seeds</h2><p>{html.escape(note)}</p>"
        "<div class='table-wrap'><table id='summary'><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _failures(failed: pd.DataFrame) -> str:
    """A section with each failed run's error: its message first, the traceback folded."""
    items = []
    for _, run in failed.iterrows():
        error = str(run.get("error") or "").strip()
        message = error.splitlines()[-1] if error else "(no error recorded)"
        items.append(
            f"<li class='failure' data-key='{html.escape(run['key'])}'>"
            f"<strong>{html.escape(run['label'])}</strong>: <code>{html.escape(message)}</code>"
            f"<details><summary>traceback</summary><pre>{html.escape(error)}</pre></details></li>"
        )
    return (
        f"<section id='failures'><h2>Failed runs ({len(failed)})</h2><p>Rerun the study to "
        f"retry them; every attempt's error is kept (<code>invlab runs DB --errors</code>).</p>"
        f"<ul>{''.join(items)}</ul></section>"
    )


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _versions(runs: pd.DataFrame) -> str:
    if not len(runs) or "versions" not in runs:
        return ""
    found = {v for v in runs.versions.dropna().unique()}
    parts = []
    for blob in sorted(found):
        parts.append(", ".join(f"{k} {v}" for k, v in sorted(json.loads(blob).items())))
    return " | ".join(parts)


def _cell(column: str, value) -> tuple[str, str]:
    """(display text, sort key) of one table cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", ""
    if column == "error":  # its last line: the exception and its message
        last = str(value).strip().splitlines()[-1] if str(value).strip() else ""
        return last, last
    if column in ("seed", "attempts"):
        return f"{int(value):,}", str(int(value))
    if column in COLUMNS:
        return COLUMNS[column].text(value), repr(float(value))
    return str(value), str(value)


def _table(runs: pd.DataFrame) -> str:
    columns = [(c, h) for c, h in TABLE_COLUMNS if c in runs] if len(runs) else TABLE_COLUMNS
    head = "".join(
        f"<th data-type='{'num' if c in NUMERIC else 'text'}' tabindex='0'>{html.escape(h)}</th>"
        for c, h in columns
    )
    body = []
    for _, run in runs.iterrows():
        cells = []
        for column, _ in columns:
            text, key = _cell(column, run.get(column))
            if column == "augment" and not text:
                text = key = "none"
            cells.append(f"<td data-sort='{html.escape(key)}'>{html.escape(text)}</td>")
        error = run.get("error")
        title = f" title='{html.escape(str(error).strip()[-400:])}'" if error else ""
        body.append(
            f"<tr data-key='{html.escape(run['key'])}' class='{html.escape(run['status'])}'"
            f"{title}>{''.join(cells)}</tr>"
        )
    return f"<table id='runs'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
h1 { margin-bottom: 0.2em; } .meta { color: #666; font-size: 0.9em; }
img.figure { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: right; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
th:first-child, td:first-child { text-align: left; }
th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; user-select: none; }
th.asc::after { content: " \\25B2"; } th.desc::after { content: " \\25BC"; }
tr.failed td { color: #b00; }
"""

_SCRIPT = """
(function () {
  const table = document.getElementById('runs');
  const headers = table.tHead.rows[0].cells;
  function sortBy(index) {
    const th = headers[index];
    const ascending = !th.classList.contains('asc');
    for (const h of headers) { h.classList.remove('asc', 'desc'); }
    th.classList.add(ascending ? 'asc' : 'desc');
    const numeric = th.dataset.type === 'num';
    const rows = Array.from(table.tBodies[0].rows);
    rows.sort(function (a, b) {
      const x = a.cells[index].dataset.sort, y = b.cells[index].dataset.sort;
      if (x === y) { return 0; }
      if (x === '') { return 1; }
      if (y === '') { return -1; }
      const c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return ascending ? c : -c;
    });
    for (const row of rows) { table.tBodies[0].appendChild(row); }
  }
  Array.from(headers).forEach(function (th, i) {
    th.addEventListener('click', function () { sortBy(i); });
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sortBy(i); } });
  });
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>invlab report: {title}</title>
<link rel="icon" href="data:,">
<style>{style}</style>
</head>
<body>
<h1>invlab study report: {title}</h1>
<p class="meta">{summary} — generated {generated}<br>{versions}</p>
{sections}
<section>
<h2>Runs</h2>
<p>Click a column header to sort.</p>
<div class="table-wrap">{table}</div>
</section>
<script>{script}</script>
</body>
</html>
"""
