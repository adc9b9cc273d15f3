"""The dask engine of :func:`mgkinetics.fit_many`: chunks of curves solved on dask.distributed workers.

Each task is one :class:`~mgkinetics.batch.engine.Chunk` through
:func:`~mgkinetics.batch.engine.fit_chunk`, exactly the work the numpy engine does in-process, so
results are identical. The chunks' arrays are *scattered* to the workers (sent once, as data, not
embedded in the task graph), chunks are cut by size so that each worker gets several, and every
client, cluster and worker process this module starts is closed before it returns, also on error or
interrupt. dask is optional (``pip install mgkinetics[dask]``) and imported only here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from mgkinetics.batch.engine import Chunk, ChunkFit, fit_chunk
from mgkinetics.errors import FitError

__all__ = ["run_chunks", "split_by_size"]

TARGET_BYTES = 4 << 20  # about 4 MiB of arrays per task: big enough to amortise, small enough to spread


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
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise FitError(f"cannot reach the dask scheduler {scheduler!r}: {exc}") from None
        return client, [client]
    raise FitError("scheduler must be an address, a dask Client or a cluster, "
                   f"not {type(scheduler).__name__}")


def _nbytes(chunk: Chunk) -> int:
    return sum(np.asarray(a).nbytes for a in (*chunk.inputs, chunk.y, chunk.w, chunk.P0))


def split_by_size(chunks: Sequence[Chunk], n_workers: int, target_bytes: int = TARGET_BYTES) -> list[Chunk]:
    """Cut chunks into pieces of at most ``target_bytes``, and into at least ``2 × n_workers`` pieces
    overall when there are enough curves, so every worker has work and the last task is short."""
    total = sum(_nbytes(c) for c in chunks) or 1
    want = max(2 * n_workers, -(-total // target_bytes))
    out = []
    for c in chunks:
        m = c.index.size
        pieces = min(m, max(1, round(want * _nbytes(c) / total)))
        for rows in np.array_split(np.arange(m), pieces):
            if rows.size:
                out.append(Chunk(c.index[rows], tuple(np.asarray(a)[rows] for a in c.inputs), c.y[rows],
                                 c.w[rows], c.P0[rows], None if c.cap is None else c.cap[rows]))
    return out


def run_chunks(chunks: Sequence[Chunk], func: Callable, param_names: tuple[str, ...], vary: Sequence[int],
               lo: np.ndarray, hi: np.ndarray, *, scheduler=None) -> list[ChunkFit]:
    """Solve every chunk on a dask cluster; results in the order of the (re-cut) chunks."""
    client, to_close = _client(scheduler)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        pieces = split_by_size(chunks, n_workers)
        data = client.scatter(pieces)  # the arrays travel once, as data, not inside the graph
        work = partial(fit_chunk, func, tuple(param_names), vary=list(vary), lo=lo, hi=hi)
        futures = client.map(work, data, pure=False)
        return list(client.gather(futures))
    finally:
        for obj in to_close:
            obj.close()
