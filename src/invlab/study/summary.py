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
    """Invariance and accuracy against parameter count, per family, with/without augmentation.

    Three panels share the x axis (parameters, log scale): the Goodfellow score and the
    normalised sensitivity of the last hidden layer, and the accuracy on shifted test inputs.
    Solid lines are trained without augmentation, dashed with shift augmentation.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = runs[runs.status == "done"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = [
        ("goodfellow", "Goodfellow score, last hidden layer\n(higher = more invariant)"),
        ("sensitivity", "sensitivity, last hidden layer\n(0 = invariant)"),
        ("shifted_accuracy", "test accuracy on shifted inputs"),
    ]
    families = sorted(done.family.unique())
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(families)}
    for ax, (column, title) in zip(axes, panels):
        for family in families:
            for augmented, style in ((False, "-"), (True, "--")):
                rows = done[(done.family == family) & (done.augment.notna() == augmented)]
                if rows.empty:
                    continue
                rows = rows.sort_values("params")
                ax.plot(
                    rows.params,
                    rows[column],
                    style,
                    marker="o",
                    color=colours[family],
                    label=f"{family}{' + shift aug' if augmented else ''}",
                )
        ax.set_xscale("log")
        ax.set_xlabel("parameters")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")
    axes[-1].legend(fontsize=7, loc="best")
    fig.suptitle("Does size give invariance? (MNIST-1D, shift)")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
