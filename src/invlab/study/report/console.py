"""A study's tables printed to the terminal: the summary over seeds, the size trends and the
extras of kernel and learn-dft runs."""

from __future__ import annotations

import math

import pandas as pd

from invlab.study.report.columns import COLUMNS
from invlab.study.report.limit_figures import extras_table, fmt
from invlab.study.report.summary import (
    AGGREGATED,
    NO_INTERVAL,
    summary_table,
    trend_table,
    with_interval,
)


def print_summary(runs: pd.DataFrame, title: str, trends: bool = True) -> None:
    """Print :func:`summary_table` with rich: mean ± 95 % interval over seeds, and n; then
    (``trends``) :func:`trend_table`."""
    from rich.console import Console
    from rich.table import Table

    summary = summary_table(runs)
    table = Table(title=title, caption=_caption(summary))
    width = max((len(label) for label in summary.label), default=3)
    table.add_column("run", justify="left", no_wrap=True, min_width=width)
    table.add_column("n", justify="right")
    for name in AGGREGATED:
        table.add_column(COLUMNS[name].header, justify="right")
    for row in summary.to_dict("records"):
        cells = [COLUMNS["params"].text(row["params"])]
        cells += [
            with_interval(n, row[n], row[f"{n}_ci"], row[f"{n}_basis"]) for n in AGGREGATED[1:]
        ]
        table.add_row(row["label"], str(row["n"]), *cells)
    console = Console(width=max(140, Console().width))
    console.print(table)
    found = trend_table(runs) if trends else pd.DataFrame()
    if len(found):
        table = Table(
            title="Does it change with size? Slope against log10(parameters) within each family",
            caption="slope per decade of parameters, fitted per seed: mean ± 95 % interval",
        )
        for header in ("family", "augment", "metric", "sizes", "n", "slope", "verdict"):
            table.add_column(
                header, justify="right" if header in ("sizes", "n", "slope") else "left"
            )
        for row in found.to_dict("records"):
            ci = "" if math.isnan(row["slope_ci"]) else f" ± {row['slope_ci']:.3g}"
            augment = "none" if pd.isna(row["augment"]) else str(row["augment"])
            cells = [row["family"], augment, row["metric"], str(row["sizes"]), str(row["n"])]
            table.add_row(*cells, f"{row['slope']:+.3g}{ci}", row["verdict"])
        console.print(table)


def _caption(summary: pd.DataFrame) -> str:
    text = "mean ± 95 % Student-t interval over n seeds, + test sampling for acc/consistency"
    if len(summary) and (summary.n == 1).any():
        text += f"; {NO_INTERVAL}"
    return text


def print_extras(runs: pd.DataFrame, layers: pd.DataFrame) -> None:
    """Print the extras table (mean ± 95 % CI, n) to stdout."""
    table = extras_table(runs, layers)
    if not len(table):
        return
    metrics = [c for c in table.columns if c.endswith("_ci")]
    print("\nextras (mean ± 95 % CI over seeds; n seeds):")
    for _, row in table.iterrows():
        if row.group in ("finite", "frequency"):
            continue
        values = ", ".join(
            f"{m[:-3]} {fmt(row[m[:-3]], row[m])}" for m in metrics if not pd.isna(row[m[:-3]])
        )
        print(f"  {row.label} [{row.group}] n={row.n}: {values}")
