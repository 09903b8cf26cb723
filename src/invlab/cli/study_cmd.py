"""``invlab study``: run a built-in study, store the runs, print and plot the summary."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from invlab.study import BUILTIN, ResultStore, print_summary, run_study, save_figure


def study_command(
    name: str = typer.Argument("size-vs-invariance", help="Built-in study to run."),
    out: Path = typer.Option(Path("results"), "--out", help="Folder for the database and figure."),
    quick: bool = typer.Option(False, "--quick", help="A tiny grid (seconds), for smoke tests."),
    seed: int = typer.Option(0, "--seed", help="Seed of weights, batches and augmentation."),
) -> None:
    """Train and measure every run of a study; finished runs are stored and skipped on rerun."""
    console = Console()
    if name not in BUILTIN:
        raise typer.BadParameter(
            f"unknown study {name!r}; built-in studies: {', '.join(sorted(BUILTIN))}",
            param_hint="NAME",
        )
    spec = BUILTIN[name](quick=quick).with_seed(seed)
    db = out / "results.db"
    console.print(f"[bold]{spec.name}[/]: {len(spec.runs)} runs → {db}")
    start = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("runs", total=len(spec.runs))

        def progress(event, config, metrics):
            if event == "start":
                bar.update(task, description=f"training {config.label()}")
            elif event == "done":
                bar.console.print(
                    f"  done {config.label():40s} test acc {metrics['test_accuracy']:.1%}  "
                    f"shifted {metrics['shifted_accuracy']:.1%}  "
                    f"goodfellow {metrics['goodfellow']:.1f}"
                )
                bar.advance(task)
            elif event == "failed":
                bar.console.print(f"  [red]failed[/] {config.label()}: {metrics['error']}")
                bar.advance(task)
            else:
                bar.advance(task)

        executed, skipped = run_study(spec, db, progress=progress)
    with ResultStore(db) as store:
        runs = store.runs(spec.name)
    print_summary(runs, f"{spec.name} (seed {seed})")
    figure = save_figure(runs, out / f"{spec.name}.png")
    console.print(
        f"{executed} run(s) executed, {skipped} already stored; "
        f"wall time {time.perf_counter() - start:.1f}s; figure {figure}"
    )
