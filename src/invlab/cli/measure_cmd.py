"""``invlab measure``: the invariance profile of any model, as a table, a CSV and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

MODEL_HELP = (
    "FILE.py:FACTORY (FACTORY() builds the nn.Module), a TorchScript file, or a pickled whole "
    "model (only with --trust-pickle)"
)


def measure_command(
    model: Annotated[str, typer.Option("--model", "-m", help=MODEL_HELP)],
    data: Annotated[
        str, typer.Option(help="mnist1d | digits | ... | npz:PATH | idx:FOLDER | idx:A,B,C,D")
    ] = "mnist1d",
    transform: Annotated[
        str,
        typer.Option(help="shift:-8:8 | rotate:-45:45 | scale:0.7:1.4 | rotate90; '+' composes"),
    ] = "shift:-8:8",
    weights: Annotated[
        Path | None, typer.Option(help="checkpoint (state dict), loaded with weights_only=True")
    ] = None,
    layers: Annotated[str, typer.Option(help="'all' or comma-separated layer names")] = "all",
    metrics: Annotated[
        str,
        typer.Option(
            "--metrics",
            "--metric",
            help="comma-separated: goodfellow, sensitivity, consistency, accuracy, "
            "equivariance, lie (Lie derivative, per layer + attribution; only when named); "
            "empty = every one that applies",
        ),
    ] = "",
    steps: Annotated[int, typer.Option(help="grid points per parameter axis")] = 9,
    limit: Annotated[int, typer.Option(help="use the first LIMIT inputs (0 = all)")] = 1000,
    split: Annotated[str, typer.Option(help="test | train")] = "test",
    batch_size: Annotated[
        int, typer.Option(help="about this many transformed inputs per forward")
    ] = 256,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1, mps ...")] = "cpu",
    out: Annotated[Path, typer.Option(help="folder for profile.csv and the PNG figures")] = Path(
        "invlab-measure"
    ),
    plots: Annotated[bool, typer.Option(help="write PNG figures")] = True,
    trust_pickle: Annotated[
        bool,
        typer.Option(
            "--trust-pickle",
            help="allow unpickling Python objects from --model/--weights: runs code from the "
            "file; only for files you trust",
        ),
    ] = False,
) -> None:
    """Measure how invariant a model is, layer by layer (Goodfellow score, sensitivity,
    consistency, accuracy along the transformation, equivariance error)."""
    from rich.console import Console

    from invlab.cli.say import plain

    err = Console(stderr=True, emoji=False)
    try:
        df, paths = run_measure(
            model=model,
            data=data,
            transform=transform,
            weights=weights,
            layers=layers,
            metrics=metrics,
            steps=steps,
            limit=limit,
            split=split,
            batch_size=batch_size,
            device=device,
            out=out,
            plots=plots,
            trust_pickle=trust_pickle,
        )
    except (ValueError, TypeError, FileNotFoundError) as e:
        err.print(f"[bold red]error:[/] {plain(e)}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    console = Console()
    console.print(summary_table(df))
    console.print(f"wrote {out / 'profile.csv'}" + "".join(f"\nwrote {p}" for p in paths))


def run_measure(
    *,
    model: str,
    data: str,
    transform: str,
    weights: Path | None,
    layers: str,
    metrics: str,
    steps: int,
    limit: int,
    split: str,
    batch_size: int,
    device: str,
    out: Path,
    plots: bool,
    trust_pickle: bool,
):
    """The command without the printing: returns ``(DataFrame, figure paths)``."""

    from invlab.cli.output_paths import writable_folder
    from invlab.data.spec import parse_data
    from invlab.measure import compute_profile
    from invlab.measure.plots import save_figures
    from invlab.models.loading import load_model, measure_device, model_label
    from invlab.transforms.spec import parse_transform

    if split not in ("test", "train"):
        raise ValueError(f"--split must be 'test' or 'train', got {split!r}")
    if limit < 0:
        raise ValueError(f"--limit must be >= 0, got {limit}")
    dev = measure_device(device, "--device")
    writable_folder(out, "--out")
    dataset = parse_data(data)
    x, y = (
        (dataset.x_test, dataset.y_test) if split == "test" else (dataset.x_train, dataset.y_train)
    )
    if limit:
        x, y = x[:limit], y[:limit]
    if x.dim() not in (3, 4):
        raise ValueError(f"data must be (N, C, L) or (N, C, H, W), got {tuple(x.shape)}")
    t = parse_transform(transform, x.dim() - 2)
    net = load_model(model, weights, trust_pickle=trust_pickle).to(dev)
    chosen = "all" if layers.strip() == "all" else [n.strip() for n in layers.split(",") if n]
    wanted = [m.strip() for m in metrics.split(",") if m.strip()] or None
    result = compute_profile(
        net, (x, y), t, chosen, metrics=wanted, steps=steps, batch_size=batch_size, device=dev
    )
    df = result.to_frame(model_label(model))
    df.to_csv(out / "profile.csv", index=False)
    paths = save_figures(result, df, out, t) if plots else []
    return df, paths


def summary_table(df):
    """A rich table: one row per layer, one column per metric (means over the grid)."""
    from rich.table import Table

    rows = df[df.param.isna() | (df.param == "mean")]
    # dropna=False: a metric that is NaN everywhere (constant data) keeps its column as "n/a"
    wide = rows.pivot_table(
        index="layer", columns="metric", values="value", sort=False, dropna=False
    )
    table = Table(title="invariance profile (means over the transformation grid)")
    # layer names are the table's key: never cut (metric columns wrap their header instead)
    widest = max((len(str(name)) for name in wide.index), default=5)
    table.add_column("layer", no_wrap=True, min_width=widest)
    for metric in wide.columns:
        table.add_column(metric, justify="right", overflow="fold")
    measured = set(zip(rows.layer, rows.metric))  # blank: not measured there; n/a: undefined
    undefined = False
    for layer, values in wide.iterrows():
        cells = []
        for metric, v in values.items():
            if (layer, metric) not in measured:
                cells.append("")
            elif v != v:
                cells.append(NA)
                undefined = True
            else:
                cells.append(f"{v:.4g}")
        table.add_row(layer, *cells)
    if undefined:
        table.caption = f"{NA}: {NA_REASON}"
    return table


NA = "n/a"
NA_REASON = (
    "undefined where every input gives the same value at that layer (constant data: nothing "
    "to compare a change against) or where no unit ever fires"
)
