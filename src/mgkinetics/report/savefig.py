"""Saving figures so that reruns give the same bytes.

PNG at 300 dpi (RGB when opaque, no Software key, written by :func:`png_bytes`), SVG without its
date and with a fixed hash salt (the ids matplotlib writes), PDF without creation dates.
:func:`drawn_figure` gives a figure's file bytes and its element for an HTML page from one draw
(a PNG embedded as its own bytes, an SVG inline). :func:`figure_svg` returns SVG text to inline
in HTML, its ids prefixed so several figures can share a page; :func:`svg_element` and
:func:`prefix_ids` are its two halves, for a figure drawn in one process and written in another
(:mod:`mgkinetics.report.parallel`).
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from mgkinetics.errors import MgKineticsError

__all__ = [
    "DPI",
    "PNG_LEVEL",
    "PNG_STRATEGY",
    "FORMATS",
    "save_figure",
    "figure_bytes",
    "figure_svg",
    "svg_element",
    "drawn_figure",
    "png_bytes",
    "prefix_ids",
]

#: Resolution of PNG files.
DPI = 300
#: zlib level of PNG files (unfiltered rows): on the report's 10 figures half the time of Pillow's
#: level 3 with run-length matches and five filters tried a row, files 1 % smaller; level 4 and up
#: cost two thirds more time for files a fifth smaller
PNG_LEVEL = 3
#: zlib strategy of PNG files: the default (run-length matches alone make unfiltered rows 40 % larger)
PNG_STRATEGY = zlib.Z_DEFAULT_STRATEGY
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


def _kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise MgKineticsError(f"{path}: a figure is written as .png, .svg or .pdf, not '{path.suffix}'")
    return kind


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
    path = Path(path)
    kind = _kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(figure_bytes(fig, kind, close=close))
    return path


def figure_bytes(fig: Any, kind: str, *, close: bool = True) -> bytes:
    """The bytes :func:`save_figure` writes for a file of type ``kind`` (png, svg or pdf).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.plot([1, 2], [3, 4])
    >>> figure_bytes(fig, "png")[:4]
    b'\\x89PNG'
    """
    import matplotlib

    kind = _kind(Path(f"figure.{kind}"))
    buf = io.BytesIO()
    with matplotlib.rc_context(_STABLE):
        if kind == "png":
            data = _png(fig)
        else:
            fig.savefig(buf, dpi=DPI, metadata=_METADATA[kind], format=kind)
            data = buf.getvalue()
    if close:
        _close(fig)
    return data


def _chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(rgba: Any, dpi: float = DPI) -> bytes:
    """A PNG file of an image (``height × width × 4`` uint8 array, RGBA): RGB when every pixel is
    opaque, else RGBA; 8 bits a channel, no row filter, zlib level :data:`PNG_LEVEL` and strategy
    :data:`PNG_STRATEGY`, the resolution ``dpi`` in a pHYs chunk, no other chunk.

    Every row is written unfiltered: on a plot's pixels (large runs of one colour) the file is the
    size of Pillow's (which tries five filters on every row and keeps the best) at half its time.

    Examples
    --------
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> rgba = np.zeros((2, 3, 4), np.uint8); rgba[..., 0] = 200; rgba[..., 3] = 255
    >>> with Image.open(io.BytesIO(png_bytes(rgba))) as im:
    ...     im.mode, im.size, im.getpixel((2, 1)), [round(d) for d in im.info["dpi"]]
    ('RGB', (3, 2), (200, 0, 0), [300, 300])
    """
    import numpy as np

    height, width, _ = rgba.shape
    channels = 3 if int(rgba[..., 3].min()) == 255 else 4
    rows = np.empty((height, 1 + channels * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    image = rows[:, 1:].reshape(height, width, channels)
    for channel in range(channels):  # a channel at a time: ~5x faster than one copy of [..., :3]
        image[..., channel] = rgba[..., channel]
    packer = zlib.compressobj(PNG_LEVEL, zlib.DEFLATED, 15, 8, PNG_STRATEGY)
    pixels = packer.compress(rows) + packer.flush()
    per_metre = int(dpi / 0.0254 + 0.5)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", pixels),
            _chunk(b"IEND", b""),
        )
    )


def _png(fig: Any) -> bytes:
    """The figure as PNG at :data:`DPI`: drawn by Agg, its pixels written by :func:`png_bytes`
    (RGB when every pixel is opaque: a quarter fewer bytes to compress than matplotlib's RGBA,
    the same pixels)."""
    import numpy as np

    raw = io.BytesIO()
    fig.savefig(raw, dpi=DPI, format="rgba")
    width, height = int(fig.get_figwidth() * DPI), int(fig.get_figheight() * DPI)  # as Agg sizes it
    if raw.getbuffer().nbytes != 4 * width * height:  # pragma: no cover - a canvas that sizes otherwise
        out = io.BytesIO()
        fig.savefig(out, dpi=DPI, metadata=_METADATA["png"], format="png")
        return out.getvalue()
    with raw.getbuffer() as view:
        return png_bytes(np.frombuffer(view, dtype=np.uint8).reshape(height, width, 4))


def svg_element(fig: Any, *, close: bool = True) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), ids as matplotlib wrote them."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_STABLE):
        fig.savefig(buf, format="svg", metadata=_METADATA["svg"])
    if close:
        _close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def drawn_figure(fig: Any, kind: str) -> tuple[str, bytes]:
    """The figure's element for the HTML page and the bytes of its ``kind`` file, then closed.

    One draw per figure where the page can show the file itself: a PNG file is embedded as an
    ``<img>`` of its own bytes (a data URI, sized as the figure in CSS pixels), an SVG file's
    ``<svg>`` element (ids as matplotlib wrote them, see :func:`prefix_ids`) is cut from the same
    text. A PDF file, which a page cannot show, is drawn a second time as SVG for the page.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3)); _ = ax.plot([1, 2], [3, 4])
    >>> element, data = drawn_figure(fig, "png")
    >>> element.startswith('<img width="384" height="288" src="data:image/png;base64,iVBOR')
    True
    """
    kind = _kind(Path(f"figure.{kind}"))
    if kind == "svg":
        data = figure_bytes(fig, "svg")
        text = data.decode("utf-8")
        return text[text.index("<svg") :], data
    if kind == "png":
        width, height = round(fig.get_figwidth() * 96), round(fig.get_figheight() * 96)
        data = figure_bytes(fig, "png")
        encoded = base64.b64encode(data).decode("ascii")
        return f'<img width="{width}" height="{height}" src="data:image/png;base64,{encoded}" alt="">', data
    svg = svg_element(fig, close=False)
    return svg, figure_bytes(fig, kind)


def prefix_ids(svg: str, prefix: str) -> str:
    """Every id of an SVG text, and every reference to one, prefixed with ``prefix``.

    Examples
    --------
    >>> prefix_ids('<g id="a"><use xlink:href="#a"/><path clip-path="url(#a)"/></g>', "fig1")
    '<g id="fig1-a"><use xlink:href="#fig1-a"/><path clip-path="url(#fig1-a)"/></g>'
    """
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', svg)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', rf'\1="#{prefix}-\2"', text)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)


def figure_svg(fig: Any, prefix: str, *, close: bool = True) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), every id prefixed with ``prefix``."""
    return prefix_ids(svg_element(fig, close=close), prefix)
