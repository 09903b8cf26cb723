"""How well does Fourier–Mellin separate images while ignoring rotation and zoom? (a script)

Six scikit-image photographs (camera, astronaut, coffee, chelsea, coins, moon; grey, centre
square, 96×96, multiplied by the inscribed disc so that a rotation brings no corners in), each
rotated by 37° and zoomed by 1.15 (and, in the second table, moved by six rotation/zoom pairs).
For each variant of :class:`invlab.invariants.FourierMellin` it prints

* ``self``: the relative distance ``‖φ(gx) − φ(x)‖ / ‖φ(x)‖`` of each photograph to its own
  transformed copy (min and max over photographs and moves; small is invariant);
* ``between``: ``‖φ(y) − φ(x)‖ / ‖φ(x)‖`` over the 30 ordered pairs of different photographs
  (min, median, max; large separates);
* ``margin``: min(between) / max(self) (> 1: every transformed copy is closer to its own
  photograph than any two photographs are to each other);
* ``NN``: transformed copies whose nearest untransformed photograph is their own.

Run:  PYTHONPATH=src python benchmarks/fourier_mellin_margin.py
"""

from __future__ import annotations

import numpy as np
import torch

from invlab.invariants import FourierMellin
from invlab.transforms import Compose, Rotate, Scale

NAMES = ("camera", "astronaut", "coffee", "chelsea", "coins", "moon")
SIZE = 96
MOVES_MAIN = ((1.15, 37.0),)
MOVES_MORE = ((1.15, 37.0), (0.87, 37.0), (1.15, 113.0), (1.3, -20.0), (0.8, 150.0), (1.0, 45.0))

# name → FourierMellin options; the first is the default of invlab before this benchmark.
VARIANTS = {
    "window, high-pass, log f=0.1 (old default)": {"floor": 0.1},
    "  no window": {"floor": 0.1, "window": False},
    "  no high-pass": {"floor": 0.1, "highpass": False},
    "  whitening (per ring)": {"floor": 0.1, "whiten": True},
    "  log f=1": {"floor": 1.0},
    "  no log (linear)  <- new default": {},
    "  no log, no window": {"window": False},
    "  no log, no high-pass": {"highpass": False},
    "  no log, whitening": {"whiten": True},
}


def photographs() -> torch.Tensor:
    from skimage import data
    from skimage.color import rgb2gray
    from skimage.transform import resize

    images = []
    for name in NAMES:
        im = getattr(data, name)()
        im = rgb2gray(im) if im.ndim == 3 else im.astype(np.float64)
        im = im / im.max()
        h, w = im.shape
        s = min(h, w)
        im = im[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
        images.append(resize(im, (SIZE, SIZE), anti_aliasing=True))
    x = torch.from_numpy(np.stack(images))[:, None]
    r = torch.arange(SIZE, dtype=torch.float64) - (SIZE - 1) / 2
    disc = (r[:, None] ** 2 + r[None, :] ** 2).sqrt() <= SIZE / 2
    return x * disc


def move(x: torch.Tensor, zoom: float, angle: float) -> torch.Tensor:
    params = torch.tensor([[zoom, angle]] * x.shape[0], dtype=x.dtype)
    return Compose([Scale((0.5, 2.0)), Rotate()]).apply(x, params)


def margin_row(fm: FourierMellin, x: torch.Tensor, moves) -> dict:
    with torch.no_grad():
        f = fm(x).flatten(1)
        moved = [fm(move(x, z, a)).flatten(1) for z, a in moves]
    k = f.shape[0]
    own = [float((g[i] - f[i]).norm() / f[i].norm()) for g in moved for i in range(k)]
    between = [
        float((f[j] - f[i]).norm() / f[i].norm()) for i in range(k) for j in range(k) if i != j
    ]
    nearest = sum(int(torch.cdist(g, f).argmin(1)[i] == i) for g in moved for i in range(k))
    return {
        "self_min": min(own),
        "self_max": max(own),
        "between_min": min(between),
        "between_median": float(np.median(between)),
        "between_max": max(between),
        "margin": min(between) / max(own),
        "nn": f"{nearest}/{len(own)}",
    }


def print_table(title: str, x: torch.Tensor, moves) -> None:
    print(f"\n{title}")
    print(
        f"| {'variant':44s} | self min–max | between min / median / max | margin | NN |\n"
        f"|{'-' * 46}|---:|---:|---:|---:|"
    )
    for name, options in VARIANTS.items():
        fm = FourierMellin((SIZE, SIZE), **options).double()
        r = margin_row(fm, x, moves)
        print(
            f"| {name:44s} | {r['self_min']:.3f}–{r['self_max']:.3f} | "
            f"{r['between_min']:.3f} / {r['between_median']:.3f} / {r['between_max']:.3f} | "
            f"{r['margin']:.2f} | {r['nn']} |",
            flush=True,
        )


def main() -> None:
    torch.set_num_threads(1)
    x = photographs()
    print_table("Rotation 37° and zoom 1.15:", x, MOVES_MAIN)
    moves = ", ".join(f"×{z:g} {a:g}°" for z, a in MOVES_MORE)
    print_table(f"Six moves ({moves}):", x, MOVES_MORE)


if __name__ == "__main__":
    main()
