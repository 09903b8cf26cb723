"""Seeds trained together: the runs of one configuration that differ only in their seed are
executed as one unit (:func:`run_group`), so that a run kind that can batch them (``train``:
one vmap'd model, :func:`invlab.train.train_together`) does.

Each run's result is what its serial run computes, up to floating-point reduction order (see
:func:`invlab.train.train_together` for the measured tolerance); a model that cannot be batched
is trained serially with a ``SerialFallbackWarning`` naming why. A group whose batched
execution fails is retried run by run, so one failure costs no other run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from invlab.study.spec.run_config import RunConfig


def groups(configs: Iterable[RunConfig]) -> Iterator[list[RunConfig]]:
    """Consecutive runs of one configuration (the same :meth:`RunConfig.group_key`, as a spec
    orders its seeds innermost), each group in the given order."""
    group: list[RunConfig] = []
    for config in configs:
        if group and config.group_key() != group[0].group_key():
            yield group
            group = []
        group.append(config)
    if group:
        yield group


def run_group(configs: list[RunConfig], threads: int | None, device: str) -> list[dict]:
    """Execute the seeds ``configs`` of one configuration together; one outcome per run, as
    :func:`~invlab.study.execution.executors.run_one` returns it (the group's wall time shared
    equally among its runs)."""
    import torch

    from invlab.study.execution.devices import device_name, resolve_device
    from invlab.study.runs import get_kind
    from invlab.study.store.provenance import library_versions

    previous = torch.get_num_threads()
    if threads is not None and previous != threads:
        torch.set_num_threads(threads)
    used = torch.get_num_threads()
    started, t0 = time.time(), time.perf_counter()
    try:
        place = resolve_device(device)
        results = get_kind(configs[0].kind).execute_group(configs, place)
        where = {"device": str(place), "device_name": device_name(place)}
    except Exception:
        return None
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
    import os
    import socket

    share = (time.perf_counter() - t0) / len(configs)
    versions = {**library_versions(), "torch_threads": str(used), **where, "batched": "seeds"}
    return [
        {
            "result": result,
            "error": None,
            "seconds": share,
            "started": started,
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "versions": versions,
        }
        for result in results
    ]
