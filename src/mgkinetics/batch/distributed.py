"""The dask engine of :func:`mgkinetics.fit_many`: chunks of curves solved on dask.distributed workers.

Each task is one :class:`~mgkinetics.batch.engine.Chunk` through
:func:`~mgkinetics.batch.engine.fit_chunk`: the very chunks the numpy engine solves in-process
(``chunk_size`` curves each, cut by :func:`mgkinetics.batch.many.block_plan`), through the same
code, so results are bit-identical to ``engine="numpy"`` with the same ``chunk_size``. The solver's
per-row path depends on the chunk it runs in (rows leave the active set together), which is why the
chunks are never re-cut here; for parallelism choose ``chunk_size`` ≈ curves / (2 × workers). The
chunks' arrays are *scattered* to the workers (sent once, as data, not embedded in the task graph),
and every client, cluster and worker process this module starts is closed before it returns, also
on error or interrupt. dask is optional (``pip install mgkinetics[dask]``) and imported only here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from mgkinetics.batch.engine import Chunk, ChunkFit, fit_chunk
from mgkinetics.errors import FitError, SchedulerError

__all__ = ["run_chunks", "SCHEDULER_TIMEOUT_S"]

#: Seconds to wait for a dask scheduler given by address before giving up with SchedulerError.
SCHEDULER_TIMEOUT_S = 10


def _client(scheduler):
    """(client, things to close): an address, a Client, a cluster, or None for a LocalCluster."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from mgkinetics.errors import missing_dependency

        raise missing_dependency("dask.distributed", "dask", "engine='dask'") from None
    if scheduler is None:
        cluster = LocalCluster(threads_per_worker=1, dashboard_address=None, processes=True)
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
        return client, [client, cluster]
    if isinstance(scheduler, Client):
        return scheduler, []
    if isinstance(scheduler, str) or hasattr(scheduler, "scheduler_address"):
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise SchedulerError(
                f"cannot reach the dask scheduler {scheduler!r} within {SCHEDULER_TIMEOUT_S} s "
                f"({type(exc).__name__}: {exc}); check the address (tcp://HOST:PORT) or leave out "
                "--scheduler for a local cluster"
            ) from None
        return client, [client]
    raise FitError(
        f"scheduler must be an address, a dask Client or a cluster, not {type(scheduler).__name__}"
    )


def run_chunks(
    chunks: Sequence[Chunk],
    func: Callable,
    param_names: tuple[str, ...],
    vary: Sequence[int],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    scheduler=None,
    ratios=(),
    inf_columns=(),
) -> list[ChunkFit]:
    """Solve every chunk on a dask cluster, one task per chunk; results in the order of ``chunks``.

    The chunks are those the numpy engine solves in-process (not re-cut), and each goes through the
    same :func:`~mgkinetics.batch.engine.fit_chunk`, so the results are bit-identical to
    ``engine="numpy"`` with the same ``chunk_size``.
    """
    client, to_close = _client(scheduler)
    try:
        data = client.scatter(list(chunks))  # the arrays travel once, as data, not inside the graph
        work = partial(
            fit_chunk,
            func,
            tuple(param_names),
            vary=list(vary),
            lo=lo,
            hi=hi,
            ratios=list(ratios),
            inf_columns=list(inf_columns),
        )
        futures = client.map(work, data, pure=False)
        return list(client.gather(futures))
    finally:
        for obj in to_close:
            obj.close()
