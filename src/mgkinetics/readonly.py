"""A read-only mapping that can be pickled, for the mappings that results and tables hold.

``types.MappingProxyType`` is read-only but cannot be pickled, so neither could any result that
held one (no ``multiprocessing``, ``joblib`` cache or saved notebook state). :class:`ReadOnlyMapping`
behaves like it (lookup, iteration, ``==`` with any mapping, ``|`` giving a dict, ``copy()`` giving
a dict) and pickles as the dict it wraps.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ReadOnlyMapping", "readonly"]


class ReadOnlyMapping(Mapping):
    """A read-only view of a private copy of a mapping.

    Examples
    --------
    >>> m = readonly({"km": 1.0})
    >>> m["km"], dict(m), m == {"km": 1.0}
    (1.0, {'km': 1.0}, True)
    >>> import pickle
    >>> pickle.loads(pickle.dumps(m)) == m
    True
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self):
        return (type(self), (self._data,))

    def __or__(self, other: Mapping) -> dict:
        return {**self._data, **other}

    def __ror__(self, other: Mapping) -> dict:
        return {**other, **self._data}

    def copy(self) -> dict:
        """A plain, mutable dict of the same items (as ``MappingProxyType.copy``)."""
        return dict(self._data)


def readonly(mapping: Mapping | None = None) -> ReadOnlyMapping:
    """A :class:`ReadOnlyMapping` of a copy of ``mapping``."""
    return ReadOnlyMapping(mapping)
