"""Deformation stability: how far small smooth deformations move each representation.

Mallat's point (Group Invariant Scattering, 2012): ``|F x|`` is exactly invariant to
translations but not stable to small deformations — a dilation by ``1 + ε`` moves the
frequency ``ω`` by ``ε |ω|``, so at high frequencies the displacement exceeds a bin and the
modulus changes by O(1) however small ``ε`` is; the scattering transform is Lipschitz-stable,
``‖S D_τ x − S x‖ ≤ C ‖∇τ‖ ‖x‖``.

Run: ``python benchmarks/deformation_stability.py``. For each ``Deform`` amplitude (RMS
displacement in pixels) it prints the mean relative change ``‖Φ(D_τ x) − Φ(x)‖ / ‖Φ(x)‖``
over real 64×64 images (scikit-image samples, standardised) and random fields, for raw
pixels, ``FourierModulus`` (all, low and high frequencies), ``FourierMellin`` and, when
``invlab.invariants.scattering`` is importable, ``Scattering2D(J=3, L=8)``. A 2-pixel
circular translation is shown for contrast.
"""

from __future__ import annotations

import numpy as np
import torch
from skimage import data as skdata
from skimage.transform import resize

from invlab.invariants import FourierMellin, FourierModulus
from invlab.transforms import Deform, Shift

SIZE = 64
AMPLITUDES = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
NAMES = ("camera", "astronaut", "brick", "grass", "gravel", "coins", "moon", "coffee")
FIELDS = 8  # random deformations per image and amplitude


def images() -> torch.Tensor:
    out = []
    for name in NAMES:
        im = np.asarray(getattr(skdata, name)(), dtype=np.float64)
        im = im[..., :3].mean(-1) if im.ndim == 3 else im
        im = resize(im / 255.0, (SIZE, SIZE), anti_aliasing=True)
        out.append((im - im.mean()) / im.std())
    return torch.from_numpy(np.stack(out))[:, None]


def representations() -> dict[str, torch.nn.Module]:
    fourier = FourierModulus(dims=2, normalized=True).double()
    k = torch.fft.fftfreq(SIZE).abs()
    radius = torch.maximum(k[:, None], torch.fft.rfftfreq(SIZE)[None, :])  # cycles/pixel
    high = radius > 0.25

    reps: dict[str, torch.nn.Module] = {
        "pixels": torch.nn.Identity(),
        "Fourier modulus": fourier,
        "modulus, low freq": _Masked(fourier, ~high),
        "modulus, high freq": _Masked(fourier, high),
        "FourierMellin": FourierMellin((SIZE, SIZE)).double(),
    }
    try:
        from invlab.invariants.scattering import Scattering2D

        reps["Scattering2D J=3"] = Scattering2D(J=3, shape=(SIZE, SIZE), L=8).double()
    except ImportError:
        print("(invlab.invariants.scattering not available: Scattering2D column left out)\n")
    return reps


class _Masked(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module, mask: torch.Tensor) -> None:
        super().__init__()
        self.inner = inner
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)[..., self.mask]


def relative_change(rep: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        a, b = rep(x).flatten(1), rep(y).flatten(1)
    return float(((b - a).norm(dim=1) / a.norm(dim=1)).mean())


def main() -> None:
    torch.set_num_threads(2)
    x = images()
    reps = representations()
    rows = []
    for amplitude in AMPLITUDES:
        deform = Deform(amplitude=amplitude, modes=3, padding="border")
        gen = torch.Generator().manual_seed(0)
        xs = x.repeat(FIELDS, 1, 1, 1)
        ys = deform(xs, generator=gen)
        rows.append(
            (f"Deform {amplitude:g} px", {k: relative_change(r, xs, ys) for k, r in reps.items()})
        )
    shifted = Shift(dims=2).apply(x, torch.tensor([2.0, 2.0]))
    rows.append(
        ("Shift 2 px (circular)", {k: relative_change(r, x, shifted) for k, r in reps.items()})
    )

    names = list(reps)
    print(
        f"Mean relative change ‖Φ(gx) − Φ(x)‖/‖Φ(x)‖, {len(NAMES)} images of {SIZE}x{SIZE}, "
        f"{FIELDS} random fields each\n"
    )
    print("| transformation | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for label, values in rows:
        print(f"| {label} | " + " | ".join(f"{values[n]:.3f}" for n in names) + " |")


if __name__ == "__main__":
    main()
