"""Many curves at once: the vectorised engine behind fit_many, its starts, bootstrap and Dask."""

__all__: list[str] = []
