"""The printed summary table and the figure of a finished study."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SUMMARY_COLUMNS = [
    "label",
    "params",
    "test_accuracy",
    "shifted_accuracy",
    "consistency",
    "goodfellow",
    "sensitivity",
    "seconds",
]


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The finished runs, one row each, sorted by family, augmentation and size."""
    done = runs[runs.status == "done"].copy()
    if done.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    done["augmented"] = done.augment.notna()
    done = done.sort_values(["family", "augmented", "params"])
    return done[SUMMARY_COLUMNS].reset_index(drop=True)


def print_summary(runs: pd.DataFrame, title: str) -> None:
    """Print :func:`summary_table` with rich."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    headers = ["run", "params", "acc", "acc shifted", "consist.", "goodfellow", "sens.", "time"]
    for header in headers:
        table.add_column(header, justify="left" if header == "run" else "right")
    for row in summary_table(runs).itertuples(index=False):
        table.add_row(
            row.label,
            f"{row.params:,}",
            f"{row.test_accuracy:.1%}",
            f"{row.shifted_accuracy:.1%}",
            f"{row.consistency:.1%}",
            f"{row.goodfellow:.1f}",
            f"{row.sensitivity:.3f}",
            f"{row.seconds:.1f}s",
        )
    Console(width=max(120, Console().width)).print(table)


def save_figure(runs: pd.DataFrame, path: str | Path) -> Path:
    """Save :func:`size_figure` as a PNG (or any format matplotlib infers from ``path``)."""
    import matplotlib.pyplot as plt

    fig = size_figure(runs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def size_figure(runs: pd.DataFrame, title: str = "Does size give invariance?"):
    """Invariance and accuracy against parameter count, per family, with/without augmentation.

    Three panels share the x axis (parameters, log scale): the Goodfellow score and the
    normalised sensitivity of the last hidden layer, and the accuracy on transformed test
    inputs. Solid lines are trained without augmentation, dashed with augmentation.

    Returns:
        a matplotlib Figure (close it with ``plt.close(fig)``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = runs[runs.status == "done"] if "status" in runs else runs
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    panels = [
        ("goodfellow", "Goodfellow score, last hidden layer\n(higher = more invariant)"),
        ("sensitivity", "sensitivity, last hidden layer\n(0 = invariant)"),
        ("shifted_accuracy", "test accuracy on transformed inputs"),
    ]
    families = sorted(done.family.unique()) if len(done) else []
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(families)}
    for ax, (column, title_) in zip(axes, panels):
        for family in families:
            for augmented, style in ((False, "-"), (True, "--")):
                rows = done[(done.family == family) & (done.augment.notna() == augmented)]
                if rows.empty or column not in rows:
                    continue
                rows = rows.sort_values("params")
                ax.plot(
                    rows.params,
                    rows[column],
                    style,
                    marker="o",
                    color=colours[family],
                    label=f"{family}{' + aug' if augmented else ''}",
                )
        ax.set_xscale("log")
        ax.set_xlabel("parameters")
        ax.set_title(title_)
        ax.grid(alpha=0.3)
    if len(done) and (done.get("goodfellow", pd.Series(dtype=float)) > 0).any():
        axes[0].set_yscale("log")
    fig.suptitle(title)
    if families:  # outside the panels, so no data point hides behind it
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig
