"""Text exports' bytes as text: the encoding found from the bytes, and the start of a file for sniffers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["decode_bytes", "decode_head", "file_start"]


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """(text without BOM, encoding): BOM first (UTF-8, UTF-16), then BOM-less UTF-16, UTF-8, cp1252.

    Examples
    --------
    >>> decode_bytes("Time\\tA1".encode("utf-16"))
    ('Time\\tA1', 'utf-16')
    >>> decode_bytes(b"0,5\\xb0C")[1]
    'cp1252'
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    head = raw[:200]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:  # ASCII text in UTF-16 is half NUL bytes
        encoding = "utf-16-le" if head[1] == 0 else "utf-16-be"
        return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def decode_head(head: bytes) -> str:
    """The first bytes of a file as text; with NUL bytes (UTF-16) an odd last byte is dropped.

    Examples
    --------
    >>> decode_head("##BLOCKS= 1".encode("utf-16-le")[:7])
    '##B'
    """
    return decode_bytes(head[: len(head) - len(head) % 2] if b"\x00" in head else head)[0]


def file_start(path: Path, n_bytes: int) -> str | None:
    """The first ``n_bytes`` of a file as text, or None when it cannot be read (a sniffer never raises)."""
    try:
        with open(path, "rb") as fh:
            return decode_head(fh.read(n_bytes))
    except Exception:  # noqa: BLE001 - a sniffer never raises
        return None
