"""Fits on lmfit: the problem builder (table to arrays), single and global fits, weighting, results."""

__all__: list[str] = []
