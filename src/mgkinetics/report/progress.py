"""Progress bars on stderr (tqdm), off unless asked for.

The library never draws one by itself: a caller (the command line, when stderr is a terminal and
``--quiet`` is not given) passes ``enabled=True``. Disabled, both helpers cost nothing and write
nothing, so pipes and logs stay clean.

Examples
--------
>>> [x for x in track([1, 2, 3], "fits")]          # disabled: just the items
[1, 2, 3]
>>> progress_callback("bootstrap") is None
True
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["track", "progress_callback"]

T = TypeVar("T")


def _bar(desc: str, total: int | None) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)


def track(items: Iterable[T], desc: str, *, total: int | None = None, enabled: bool = False) -> Iterator[T]:
    """Yield ``items``, advancing a bar named ``desc`` on stderr when ``enabled``."""
    if not enabled:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    bar = _bar(desc, total)
    try:
        for item in items:
            yield item
            bar.update(1)
    finally:
        bar.close()


def progress_callback(desc: str, *, enabled: bool = False) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback (as the bootstrap takes) drawing a bar, or None.

    The bar closes itself when ``done`` reaches ``total``.
    """
    if not enabled:
        return None
    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = _bar(desc, total)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state.clear()

    return progress
