"""The built-in studies."""

from __future__ import annotations

from invlab.study.spec import RunConfig, StudySpec

SHIFT = "shift:-10:10"  # a quarter of MNIST-1D's 40 samples either way


def size_vs_invariance(quick: bool = False) -> StudySpec:
    """Does size give invariance? MLPs of growing width and depth against architectures
    with invariance built in, each trained with and without shift augmentation on MNIST-1D,
    measured for shift invariance at every layer.

    ``quick=True`` is a tiny grid for tests and smoke runs (a few seconds).
    """
    if quick:
        models = [
            ("mlp", {"width": 32, "depth": 1}, 3e-3),
            ("cnn", {"channels": 8, "depth": 2}, 3e-3),
        ]
        epochs, name = 2, "size-vs-invariance-quick"
    else:
        models = [
            ("mlp", {"width": w, "depth": d}, 1e-3) for w in (32, 128, 512, 2048) for d in (1, 2, 3)
        ]
        models += [
            ("cnn", {"channels": 48, "depth": 4}, 3e-3),
            ("cnn_flat", {"channels": 48, "depth": 4}, 3e-3),
            ("fourier_mlp", {"width": 256, "depth": 2}, 1e-3),
        ]
        epochs, name = 20, "size-vs-invariance"
    runs = []
    for model, size, lr in models:
        for augment in (None, SHIFT):
            batch = 256 if size.get("width", 0) >= 2048 else 128
            runs.append(
                RunConfig(
                    dataset="mnist1d",
                    model=model,
                    size=size,
                    augment=augment,
                    transform=SHIFT,
                    epochs=epochs,
                    batch_size=batch,
                    lr=lr,
                    family=_family(model, size),
                )
            )
    return StudySpec(name, size_vs_invariance.__doc__.split("\n\n")[0], tuple(runs))


def _family(model: str, size: dict) -> str:
    return f"{model} depth {size['depth']}" if model == "mlp" else model


BUILTIN = {"size-vs-invariance": size_vs_invariance}
