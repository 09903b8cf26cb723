"""How long rendering digits takes: ``rendered_digits`` against ``glyph_digits`` (a script).

Both draw digits from matplotlib's fonts; ``glyph_digits`` fills each outline with
``matplotlib.path.Path.contains_points`` at 3× and deforms the images with a torch elastic
field, ``rendered_digits`` moves the outline's vertices and fills it with a vectorised
scanline at 4× (:mod:`invlab.data.fonts`). Medians of ``--repeats`` renderings of ``--n``
images at ``--size`` pixels, per image, and their ratio; then one uncached ``rendered_digits``
of 12 000 training + 2 000 test images at 28 px (what a study generates once and caches).

Run:  OMP_NUM_THREADS=2 PYTHONPATH=src python benchmarks/rendered_digits.py [--n 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from invlab.allocator import tune_malloc
from invlab.data import glyph_digits, glyph_params, render_glyphs, rendered_digits


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true", help="skip the 12 000-image run")
    args = parser.parse_args()
    tune_malloc()
    print(f"threads {torch.get_num_threads()}; {args.n} images at {args.size} px, "
          f"median of {args.repeats}")  # fmt: skip
    params = glyph_params(args.n, seed=0)
    render_glyphs(params, args.size)  # loads the fonts' outlines once, as the peer does below
    glyph_digits(10, size=args.size)
    ours = _median_seconds(lambda: render_glyphs(params, args.size), args.repeats)
    peer = _median_seconds(lambda: glyph_digits(args.n, size=args.size), args.repeats)
    print(f"render_glyphs  {1e3 * ours / args.n:7.2f} ms/image")
    print(f"glyph_digits   {1e3 * peer / args.n:7.2f} ms/image")
    print(f"ratio glyph_digits / render_glyphs: {peer / ours:.2f}")
    if not args.skip_full:
        start = time.perf_counter()
        rendered_digits(12000, 2000, size=28, cache=False)
        seconds = time.perf_counter() - start
        print(f"rendered_digits(12000, 2000, size=28), uncached: {seconds:.1f} s")


if __name__ == "__main__":
    main()
