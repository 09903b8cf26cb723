"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Every executor calls :func:`run_one` on each configuration and hands back its outcome as soon
as it finishes; the caller (:func:`invlab.study.run_study`) writes it to the results database,
so only the client process ever touches the database. Runs are seeded, and every executor runs
them with the same torch intra-op thread count (``threads``; default: torch's default in this
process, what the serial executor has always used), set around each run and stored with it:
the number of threads changes how reductions are split, so it would otherwise change the last
digits of the results (and, through training, accuracies by a few tenths of a percent).

At most a few runs are in flight at once (one per worker slot, plus one queued per slot), so a
run that another study sharing the database finished in the meantime is skipped rather than
recomputed, and "start" events name the runs really being computed.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator

from invlab.study.spec.run_config import RunConfig

Outcome = dict  # see run_one
ShouldRun = Callable[[RunConfig], bool]
OnStart = Callable[[RunConfig], None]


def default_threads() -> int:
    """torch's intra-op thread count in this process: what every executor uses by default."""
    import torch

    return torch.get_num_threads()


def run_one(config: RunConfig, threads: int | None = None, device: str = "cpu") -> Outcome:
    """Execute one run, catching its error: the unit of work every executor ships.

    Args:
        config: the run.
        threads: torch intra-op threads for the run, restored afterwards (``None`` keeps the
            current setting).
        device: where it computes (:func:`~invlab.study.execution.devices.resolve_device`).

    Returns:
        ``{"result": execute_run(config) or None, "error": traceback or None, "seconds",
        "started", "worker", "versions"}``; ``versions`` hold the thread count the run used
        (``torch_threads``) and its device (``device``, ``device_name``).
    """
    import torch

    from invlab.allocator import tune_malloc
    from invlab.study.execution.devices import device_name, resolve_device
    from invlab.study.runs import execute_run
    from invlab.study.store.provenance import library_versions

    tune_malloc()  # Dask's workers start with MALLOC_TRIM_THRESHOLD_ set: 3× slower torch
    previous = torch.get_num_threads()
    if threads is not None and previous != threads:
        torch.set_num_threads(threads)
    used = torch.get_num_threads()
    started, t0 = time.time(), time.perf_counter()
    result = error = None
    where = {"device": str(device), "device_name": ""}
    try:
        place = resolve_device(device)
        where = {"device": str(place), "device_name": device_name(place)}
        result = execute_run(config, place)
    except Exception:
        error = traceback.format_exc()
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
    return {
        "result": result,
        "error": error,
        "seconds": time.perf_counter() - t0,
        "started": started,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "versions": {**library_versions(), "torch_threads": str(used), **where},
    }


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler given by address did not answer within the connect timeout."""


class Executor:
    """Runs configurations and yields ``(config, outcome)`` pairs as they finish.

    Use as a context manager; :meth:`run` may be called once per ``with`` block.
    """

    name = "executor"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release workers."""

    def run(
        self, configs: Iterable[RunConfig], should_run: ShouldRun, on_start: OnStart
    ) -> Iterator[tuple[RunConfig, Outcome]]:
        """Execute each config for which ``should_run(config)`` holds when its turn comes."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """One run after another in this process, each with ``threads`` torch threads (default:
    torch's default); with ``batch_seeds`` the seeds of one configuration are trained together
    (:mod:`invlab.study.execution.batching`)."""

    name = "serial"

    def __init__(
        self, threads: int | None = None, device: str = "cpu", batch_seeds: bool = False
    ) -> None:
        self.threads = _threads(threads)
        self.device = device
        self.batch_seeds = bool(batch_seeds)
        if self.batch_seeds:
            self.name = "serial, seeds batched"

    def run(self, configs, should_run, on_start):
        if self.batch_seeds:
            yield from self._run_batched(configs, should_run, on_start)
            return
        for config in configs:
            if should_run(config):
                on_start(config)
                yield config, run_one(config, self.threads, self.device)

    def _run_batched(self, configs, should_run, on_start):
        from invlab.study.execution.batching import groups, run_group

        for group in groups(configs):
            todo = [config for config in group if should_run(config)]
            for config in todo:
                on_start(config)
            outcomes = run_group(todo, self.threads, self.device) if len(todo) > 1 else None
            if outcomes is None:  # one run, or a batched group that failed: run by run
                outcomes = (run_one(config, self.threads, self.device) for config in todo)
            yield from zip(todo, outcomes)


def _threads(threads: int | None) -> int:
    if threads is None:
        return default_threads()
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    return threads


class _Windowed(Executor):
    """Shared logic of the parallel executors: keep ``slots`` runs in flight."""

    def slots(self) -> int:
        raise NotImplementedError

    def submit(self, config: RunConfig):
        raise NotImplementedError

    def wait_first(self, pending: dict) -> list:
        """Block until at least one pending future is done; return the done ones."""
        raise NotImplementedError

    def run(self, configs, should_run, on_start):
        queue = iter(configs)
        pending: dict = {}
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.slots():
                config = next(queue, None)
                if config is None:
                    exhausted = True
                elif should_run(config):
                    on_start(config)
                    pending[self.submit(config)] = config
            if not pending:
                return
            for future in self.wait_first(pending):
                config = pending.pop(future)
                yield config, self.result(future, config)

    def result(self, future, config: RunConfig) -> Outcome:
        try:
            return future.result()
        except Exception:  # the worker died or the task could not be shipped
            return {
                "result": None,
                "error": f"executor {self.name}: the run was lost\n{traceback.format_exc()}",
                "seconds": 0.0,
                "started": None,
                "worker": None,
                "versions": None,
            }


class PoolExecutor(_Windowed):
    """A local pool of ``jobs`` worker processes (spawned), each run with ``threads`` torch
    threads, by default the serial executor's count, so the numbers match serial exactly.

    Args:
        jobs: worker processes (>= 1); use at most the number of cores.
        threads: torch threads per run (default: :func:`default_threads`).
    """

    name = "pool"

    def __init__(self, jobs: int, threads: int | None = None, device: str = "cpu") -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an int >= 1, got {jobs!r}")
        self.jobs = jobs
        self.threads = _threads(threads)
        self.device = device
        # spawn, not fork: forking a process whose torch thread pools are running can hang.
        self._pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
        )

    def slots(self) -> int:
        return 2 * self.jobs

    def submit(self, config):
        return self._pool.submit(run_one, config, self.threads, self.device)

    def wait_first(self, pending):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        return list(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_Windowed):
    """Runs on a Dask distributed cluster: an existing one (``scheduler='tcp://HOST:PORT'``)
    or a :class:`distributed.LocalCluster` of ``local_workers`` processes started here.

    invlab must be importable on the workers (same version: the stored library versions
    come from the worker that ran each run). For SLURM/PBS clusters start the workers with
    dask-jobqueue and pass its scheduler address (see docs/studies.md).

    Args:
        scheduler: address of a running scheduler.
        local_workers: start a LocalCluster with this many single-threaded workers instead.
        processes: LocalCluster workers as processes (default) or threads of this process.
        threads: torch threads per run (default: :func:`default_threads` of this process).
        connect_timeout: how long to wait for ``scheduler`` before raising
            :class:`SchedulerUnreachable`.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        local_workers: int | None = None,
        *,
        processes: bool = True,
        connect_timeout: str = "3s",
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        try:
            from distributed import Client, LocalCluster, wait
        except ImportError:
            raise ImportError(
                "the Dask executor needs dask.distributed: pip install 'invlab[dask]'"
            ) from None
        self._wait = wait  # the extra is imported once, behind the install hint above
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of scheduler='tcp://HOST:PORT' or local_workers=N")
        self._cluster = None
        self.threads = _threads(threads)
        self.device = device
        if local_workers is not None:
            if not isinstance(local_workers, int) or local_workers < 1:
                raise ValueError(f"local_workers must be an int >= 1, got {local_workers!r}")
            self._cluster = LocalCluster(
                n_workers=local_workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                host="127.0.0.1",
            )
            self._client = Client(self._cluster)
        else:
            if not isinstance(scheduler, str) or "://" not in scheduler:
                raise ValueError(
                    f"scheduler must be an address like 'tcp://HOST:PORT', got {scheduler!r}"
                )
            try:
                self._client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(
                    f"could not reach the Dask scheduler at {scheduler} within "
                    f"{connect_timeout} ({type(exc).__name__}); is it running?"
                ) from None
        self._completed = None

    @property
    def client(self):
        """The :class:`distributed.Client`."""
        return self._client

    def slots(self) -> int:
        threads = sum(self._client.nthreads().values())
        return 2 * max(threads, 1)

    def submit(self, config):
        return self._client.submit(
            run_one,
            config,
            self.threads,
            self.device,
            pure=False,
            key=f"run-{config.key()}-{uuid.uuid4().hex[:8]}",
        )

    def wait_first(self, pending):
        done, _ = self._wait(list(pending), return_when="FIRST_COMPLETED")
        return list(done)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    threads: int | None = None,
    device: str = "cpu",
    batch_seeds: bool = False,
) -> Executor:
    """The executor the command-line flags ask for (at most one of them; none: serial), every
    run with ``threads`` torch threads (default: :func:`default_threads`) on ``device`` (a
    name, resolved where the run executes: a Dask worker may have a GPU the client lacks)."""
    given = [name for name, v in (("jobs", jobs), ("scheduler", scheduler)) if v is not None]
    given += ["dask_local"] if dask_local is not None else []
    if len(given) > 1:
        raise ValueError(f"choose one executor; got {' and '.join(given)}")
    if batch_seeds and (given and not (jobs == 1 and given == ["jobs"])):
        raise ValueError(
            "batch_seeds trains the seeds of a configuration together in this process: it "
            "runs with the serial executor only (no jobs, scheduler or dask_local)"
        )
    if scheduler is not None:
        return DaskExecutor(scheduler=scheduler, threads=threads, device=device)
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local, threads=threads, device=device)
    if jobs is not None and jobs != 1:
        return PoolExecutor(jobs, threads=threads, device=device)
    return SerialExecutor(threads=threads, device=device, batch_seeds=batch_seeds)
