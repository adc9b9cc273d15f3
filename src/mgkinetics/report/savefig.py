"""Saving figures so that reruns give the same bytes.

PNG at 300 dpi without the Software key, SVG without its date and with a fixed hash salt (the
ids matplotlib writes), PDF without creation dates. :func:`figure_svg` returns SVG text to inline
in HTML, its ids prefixed so several figures can share a page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from mgkinetics.errors import MgKineticsError

__all__ = ["DPI", "FORMATS", "save_figure", "figure_svg"]

#: Resolution of PNG files.
DPI = 300
FORMATS = ("png", "svg", "pdf")
_STABLE = {"svg.hashsalt": "mgkinetics", "svg.fonttype": "path", "pdf.compression": 6}
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def _close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def save_figure(fig: Any, path: str | Path, *, close: bool = True) -> Path:
    """Write ``fig`` as PNG (300 dpi), SVG or PDF, chosen by the suffix; close it unless asked not to.

    Examples
    --------
    >>> import matplotlib.pyplot as plt, tempfile, pathlib
    >>> fig, ax = plt.subplots(); _ = ax.plot([1, 2], [3, 4])
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> a = save_figure(fig, d / "a.svg", close=False).read_bytes()
    >>> b = save_figure(fig, d / "b.svg").read_bytes()
    >>> a == b
    True
    """
    import matplotlib

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise MgKineticsError(f"{path}: a figure is written as .png, .svg or .pdf, not '{path.suffix}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(_STABLE):
        fig.savefig(path, dpi=DPI, metadata=_METADATA[kind], format=kind)
    if close:
        _close(fig)
    return path


def figure_svg(fig: Any, prefix: str, *, close: bool = True) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), every id prefixed with ``prefix``."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_STABLE):
        fig.savefig(buf, format="svg", metadata=_METADATA["svg"])
    if close:
        _close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', rf'\1="#{prefix}-\2"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return text
