"""The dask engine of :func:`mgkinetics.fit_many`: chunks of curves solved on dask.distributed workers.

Each task is one :class:`~mgkinetics.batch.engine.Chunk` through
:func:`~mgkinetics.batch.engine.fit_chunk`, exactly the work the numpy engine does in-process, so
results are identical. dask is optional (``pip install mgkinetics[dask]``) and imported only here.
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
        cluster = LocalCluster(threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
        return client, [client, cluster]
    if isinstance(scheduler, Client):
        return scheduler, []
    if isinstance(scheduler, str):
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise SchedulerError(
                f"cannot reach the dask scheduler at '{scheduler}' within {SCHEDULER_TIMEOUT_S} s "
                f"({type(exc).__name__}: {exc}); check the address (tcp://HOST:PORT) or leave out "
                "--scheduler for a local cluster"
            ) from None
        return client, [client]
    if hasattr(scheduler, "scheduler_address"):
        client = Client(scheduler)
        return client, [client]
    raise FitError("scheduler must be an address, a dask Client or a cluster, "
                   f"not {type(scheduler).__name__}")


def run_chunks(chunks: Sequence[Chunk], func: Callable, param_names: tuple[str, ...], vary: Sequence[int],
               lo: np.ndarray, hi: np.ndarray, *, scheduler=None) -> list[ChunkFit]:
    """Solve every chunk on a dask cluster; results in the order of ``chunks``."""
    client, to_close = _client(scheduler)
    try:
        work = partial(fit_chunk, func, tuple(param_names), vary=list(vary), lo=lo, hi=hi)
        futures = client.map(work, list(chunks), pure=False)
        return list(client.gather(futures))
    finally:
        for obj in to_close:
            obj.close()
