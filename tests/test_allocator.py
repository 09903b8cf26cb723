"""invlab.allocator: torch's freed buffers are reused instead of page-faulted in again."""

import json
import os
import subprocess
import sys

import pytest

from invlab.allocator import tune_malloc

PROBE = """
import json, resource, sys, torch
if sys.argv[1] == "tuned":
    import invlab.allocator
    assert invlab.allocator.tune_malloc()
    invlab.allocator._done = None  # forget the cached answer: really set the thresholds again
    assert invlab.allocator.tune_malloc()
x = torch.ones(1 << 20)  # 4 MiB, then the same size again and again (like activations)
del x
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    x = torch.ones(1 << 20)
    del x
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before))
"""


def faults(mode: str) -> int:
    # Dask's nanny starts its workers with this variable, which pins glibc's mmap threshold
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.skipif(not tune_malloc(), reason="not glibc: nothing to tune")
def test_tuned_allocator_reuses_freed_buffers_under_dask_environment():
    plain, tuned = faults("plain"), faults("tuned")
    # untuned: each 4 MiB buffer is a fresh mmap, 1024 pages faulted in, 40 times over
    assert plain > 40 * 1024 * 0.9
    # tuned (twice, the second time not from the cache): the freed buffer is handed back by
    # malloc, its pages already resident (a few MiB of heap growth are faulted in once, not
    # once per buffer)
    assert tuned < plain / 5
