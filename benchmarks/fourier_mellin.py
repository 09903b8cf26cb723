"""FourierMellin throughput and registration accuracy/time against the usual tools.

Run: ``python benchmarks/fourier_mellin.py`` (CPU, 2 threads). Prints

1. FourierMellin on 256 images of 64×64: invlab (one batched call) against the per-image
   recipe people use today — numpy FFT, scikit-image ``warp_polar(scaling='log')``, numpy
   FFT — doing the same steps (window, high-pass, log-polar, log, |FFT|); median of 7 runs
   each, measured in the same process, and the ratio.
2. Registration (rotation, scale, shift) of 128×128 photographs: invlab's
   ``register_rotation_scale`` against ``imreg_dft.similarity`` (if installed; it is a
   benchmark-only dependency) or scikit-image's ``warp_polar`` + ``phase_cross_correlation``
   recipe: time per pair and errors on the same pairs.

Timings on a shared machine are noisy: compare ratios measured in the same run, not
absolute times across runs.
"""

from __future__ import annotations

import math
import os
import statistics
import time

import numpy as np
import torch
from skimage import data as skdata
from skimage.registration import phase_cross_correlation
from skimage.transform import resize, warp_polar

from invlab.invariants import FourierMellin, register_rotation_scale
from invlab.invariants.functional import radial_hann
from invlab.transforms import Compose, Rotate, Scale, Shift

REPEATS = 7


def median_time(fn, repeats: int = REPEATS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(fa, fb, repeats: int = REPEATS) -> tuple[float, float, float, float]:
    """Median times of ``fa`` and ``fb`` run alternately, the median per-round ratio
    ``t_b / t_a`` (alternating keeps both under the same background load) and the ratio of
    the fastest runs (the least disturbed by other processes)."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((fa, ta), (fb, tb)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    ratios = [b / a for a, b in zip(ta, tb)]
    return (
        statistics.median(ta),
        statistics.median(tb),
        statistics.median(ratios),
        min(tb) / min(ta),
    )


def photo(name: str, size: int) -> np.ndarray:
    image = np.asarray(getattr(skdata, name)(), dtype=np.float64)
    if image.ndim == 3:
        image = image[..., :3].mean(-1)
    return resize(image / 255.0, (size, size), anti_aliasing=True)


def batch_of_images(n: int, size: int) -> np.ndarray:
    """``n`` different 64×64 crops of several photographs."""
    rng = np.random.default_rng(0)
    sources = [photo(name, 256) for name in ("camera", "astronaut", "brick", "grass", "coins")]
    out = np.empty((n, size, size))
    for i in range(n):
        src = sources[i % len(sources)]
        r, c = rng.integers(0, 256 - size, 2)
        out[i] = src[r : r + size, c : c + size]
    return out


def centred_highpass(size: int) -> np.ndarray:
    """The Reddy–Chatterji high-pass on a centred (fftshift-ed) spectrum."""
    xi = np.fft.fftshift(np.fft.fftfreq(size))
    big_x = np.cos(np.pi * xi)[:, None] * np.cos(np.pi * xi)[None, :]
    return (1 - big_x) * (2 - big_x)


def fourier_mellin_numpy(images: np.ndarray, n_radii: int, n_angles: int) -> np.ndarray:
    """The per-image recipe: numpy FFT + scikit-image warp_polar + numpy FFT."""
    size = images.shape[-1]
    window = radial_hann((size, size), torch.float64).numpy()
    highpass = centred_highpass(size)
    out = []
    for image in images:
        mag = np.abs(np.fft.fftshift(np.fft.fft2(image * window))) * highpass
        lp = warp_polar(
            mag,
            center=(size // 2, size // 2),
            radius=size / 4,
            output_shape=(2 * n_angles, n_radii),
            scaling="log",
            order=1,
        )[:n_angles]  # warp_polar covers 360°; |F| is symmetric, keep 180°
        lp = np.log1p(lp / (0.1 * lp.mean()))
        out.append(np.abs(np.fft.rfft2(lp.T, norm="ortho")))
    return np.stack(out)


def bench_fourier_mellin() -> None:
    n, size = 256, 64
    images = batch_of_images(n, size)
    x = torch.from_numpy(images).float()[:, None]
    fm = FourierMellin((size, size))

    def run_invlab():
        with torch.no_grad():
            return fm(x)

    t_invlab, t_numpy, ratio, best_ratio = paired_times(
        run_invlab, lambda: fourier_mellin_numpy(images, 32, 32), repeats=max(REPEATS, 11)
    )
    print(f"FourierMellin, {n} images of {size}x{size} (median of {max(REPEATS, 11)}):")
    print(
        f"  invlab FourierMellin (batched, float32): {t_invlab * 1e3:8.1f} ms "
        f"({n / t_invlab:8.0f} images/s)"
    )
    print(
        f"  numpy FFT + skimage warp_polar per image: {t_numpy * 1e3:8.1f} ms "
        f"({n / t_numpy:8.0f} images/s)"
    )
    print(
        f"  throughput ratio invlab / per-image recipe: {ratio:.1f}x (median of per-round "
        f"ratios), {best_ratio:.1f}x (fastest run against fastest run)"
    )


def skimage_register(reference: np.ndarray, moving: np.ndarray) -> tuple[float, float]:
    """The scikit-image recipe: |FFT| → warp_polar(log) → phase_cross_correlation."""
    size = reference.shape[0]
    window = radial_hann((size, size), torch.float64).numpy()
    highpass = centred_highpass(size)
    radius = size / 2 - 1
    specs = [
        np.abs(np.fft.fftshift(np.fft.fft2(im * window))) * highpass for im in (reference, moving)
    ]
    polar = [
        warp_polar(s, radius=radius, output_shape=(360, size), scaling="log", order=1)[:180]
        for s in specs
    ]
    shift, _, _ = phase_cross_correlation(
        polar[0], polar[1], upsample_factor=20, normalization=None
    )
    angle = -shift[0] * 180.0 / 180.0  # 180 rows cover 180 degrees
    klog = size / math.log(radius)
    scale = math.exp(shift[1] / klog)
    return angle, scale


def bench_registration() -> None:
    try:
        import imreg_dft

        peer = "imreg_dft.similarity"
    except ImportError:  # pragma: no cover - optional benchmark dependency
        imreg_dft = None
        peer = "skimage warp_polar + phase_cross_correlation"
    size = 128
    params = torch.tensor(
        [
            [1.10, 37.0, 3.0, -5.0],
            [0.85, -123.4, 0.0, 0.0],
            [1.20, 170.0, -4.0, 2.0],
            [0.90, 60.0, 7.0, 7.0],
            [1.05, -15.5, -2.0, 6.0],
            [0.95, 88.0, 5.0, -3.0],
        ],
        dtype=torch.float64,
    )
    t = Compose([Scale((0.5, 2.0)), Rotate(), Shift(8, dims=2, mode="zeros")])
    pairs = []
    for name in ("camera", "astronaut", "brick"):
        ref = torch.from_numpy(photo(name, size))
        moving = t.apply(ref.expand(len(params), 1, size, size), params)[:, 0]
        pairs += [(ref, m, p) for m, p in zip(moving, params)]

    def angle_error(found: float, true: float) -> float:
        return abs((found - true + 180.0) % 360.0 - 180.0)

    def run_invlab():
        return [register_rotation_scale(r, m) for r, m, _ in pairs]

    def run_peer():
        out = []
        for r, m, _ in pairs:
            if imreg_dft is not None:
                res = imreg_dft.similarity(r.numpy(), m.numpy(), numiter=3)
                # imreg_dft reports the transform taking moving back to reference.
                out.append((-float(res["angle"]), 1.0 / float(res["scale"])))
            else:
                out.append(skimage_register(r.numpy(), m.numpy()))
        return out

    t_ours = median_time(run_invlab) / len(pairs)
    t_peer = median_time(run_peer) / len(pairs)
    ours, theirs = run_invlab(), run_peer()
    ours_a = [angle_error(float(o.angle), float(p[1])) for o, (_, _, p) in zip(ours, pairs)]
    ours_s = [abs(float(o.scale) / float(p[0]) - 1) for o, (_, _, p) in zip(ours, pairs)]
    ours_t = [float((o.shift[0] - p[2:]).abs().max()) for o, (_, _, p) in zip(ours, pairs)]
    peer_a = [angle_error(a, float(p[1])) for (a, _), (_, _, p) in zip(theirs, pairs)]
    peer_s = [abs(s / float(p[0]) - 1) for (_, s), (_, _, p) in zip(theirs, pairs)]
    print(
        f"\nRegistration, {len(pairs)} pairs of {size}x{size} photographs "
        f"(camera, astronaut, brick; scale 0.85-1.2, any angle, shift <= 7 px):"
    )
    print(f"  {'method':45s} {'ms/pair':>8s} {'max |angle err|':>16s} {'max scale err':>14s}")
    print(
        f"  {'invlab register_rotation_scale':45s} {t_ours * 1e3:8.1f} {max(ours_a):15.3f}° "
        f"{max(ours_s) * 100:13.2f}%   (max shift err {max(ours_t):.2f} px)"
    )
    print(f"  {peer:45s} {t_peer * 1e3:8.1f} {max(peer_a):15.3f}° {max(peer_s) * 100:13.2f}%")
    print(f"  time ratio {peer} / invlab: {t_peer / t_ours:.2f}x")


def load_note() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:  # pragma: no cover - not available on every platform
        return "load average unknown"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--skip-registration", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {load_note()}\n")
    bench_fourier_mellin()
    if not args.skip_registration:
        bench_registration()


if __name__ == "__main__":
    main()
