"""Safe output: never write over an input, check before computing, write atomically.

Every command that writes a file goes through this module:

* `check_outputs` runs *before* any computation: it refuses an output that is one of the inputs
  (same resolved path, a symbolic link to it or a hard link, compared with :func:`os.path.samefile`)
  and an output whose folder is missing or not writable, so a mistake costs no time and no data;
* `atomic_write_text` / `atomic_write_bytes` / `atomic_file` write to a temporary file in the
  target's folder and :func:`os.replace` it over the target only when complete: an interrupted run
  leaves the previous file (or none), never half a file;
* `atomic_directory` stages a whole folder of outputs (a report) and publishes it only when every
  file is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from mgkinetics.errors import OutputError

__all__ = [
    "check_outputs",
    "check_output_dir",
    "atomic_write_text",
    "atomic_write_bytes",
    "atomic_file",
    "atomic_directory",
    "MANIFEST",
]

PathLike = str | os.PathLike


def _same(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (resolved paths, symlinks or hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _sidecars(path: Path) -> list[Path]:
    """The metadata file a reader takes from beside ``path`` (``NAME.meta.json``): an input too, so
    never an output. (``NAME.json`` is not read, so ``fit x.csv --format json --out x.json`` works.)"""
    if path.suffix.lower() not in (".csv", ".tsv", ".tab", ".txt", ".xlsx"):
        return []
    return [path.with_suffix(".meta.json")]


def _writable_folder(folder: Path, what: str) -> None:
    if not folder.exists():
        raise OutputError(f"{what}: folder '{folder}' does not exist; create it first or choose another path")
    if not folder.is_dir():
        raise OutputError(f"{what}: '{folder}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: folder '{folder}' is not writable; choose another path")


def check_outputs(inputs: Iterable[PathLike | None], outputs: Iterable[PathLike | None]) -> None:
    """Refuse outputs that would destroy an input or that cannot be written.

    Call it before computing anything. ``None`` entries (stdout, an option not given) are skipped.

    Parameters
    ----------
    inputs : iterable of path
        Every file (or folder) the command reads; the metadata sidecar a reader takes from beside
        a table (``NAME.meta.json``) counts as an input too, whether it exists yet or not.
    outputs : iterable of path
        Every file the command will write. A device or FIFO (``/dev/null``) is written through.

    Raises
    ------
    OutputError
        An output is one of the inputs or an input's sidecar, is the same file as another output,
        is a folder, is a read-only file, or its folder is missing or not writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "data.csv").write_text("S_mM,v_uM_per_s\\n")
    16
    >>> check_outputs([d / "data.csv"], [d / "fit.json"])  # fine
    >>> try:
    ...     check_outputs([d / "data.csv"], [d / "data.csv"])
    ... except OutputError as exc:
    ...     print("refused:", "is the input" in str(exc))
    refused: True
    """
    ins = [Path(p) for p in inputs if p is not None]
    sidecars = {
        side: src for src in ins for side in _sidecars(src)
    }  # inputs of the next run, existing or not
    seen: list[Path] = []
    for out in (Path(p) for p in outputs if p is not None):
        for src in ins:
            if _same(out, src):
                raise OutputError(
                    f"output '{out}' is the input '{src}'; choose another output path "
                    "(mgkinetics never writes over its input data)"
                )
        for side, src in sidecars.items():
            if _same(out, side):
                raise OutputError(
                    f"output '{out}' is the input '{side}', the metadata the reader takes from beside "
                    f"'{src}' (whether it exists yet or not); choose another output path"
                )
        if _special(out):  # a device or FIFO (/dev/null, a pipe): written through, not replaced
            if not os.access(out, os.W_OK):
                raise OutputError(f"output '{out}' is not writable; choose another path")
            continue
        for earlier in seen:
            if _same(out, earlier):
                raise OutputError(f"two outputs are the same file '{out}'; give each output its own path")
        seen.append(out)
        if out.is_dir():
            raise OutputError(f"output '{out}' is a folder; give a file name")
        if out.exists() and _read_only(out):
            raise OutputError(f"output '{out}' exists and is read-only; choose another path")
        _writable_folder(out.parent if str(out.parent) else Path("."), f"output '{out}'")


def _read_only(path: Path) -> bool:
    """True for a file this process may not write, or that nobody may (no write bit: made
    read-only on purpose, e.g. ``chmod 444``; root could write it, but is refused the same)."""
    return not os.access(path, os.W_OK) or not os.stat(path).st_mode & 0o222


def _special(path: Path) -> bool:
    """True for an existing file that is neither a regular file nor a folder (a character device
    such as /dev/null, a FIFO, a socket): renaming over it would replace the device node."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def check_output_dir(inputs: Iterable[PathLike | None], out_dir: PathLike) -> None:
    """Refuse an output folder that is or contains an input, or that cannot be made.

    The folder itself may be missing (it is created); its nearest existing ancestor must be a
    writable folder.

    Raises
    ------
    OutputError
    """
    out = Path(out_dir)
    real_out = Path(os.path.realpath(out))
    for src in (Path(p) for p in inputs if p is not None):
        real_src = Path(os.path.realpath(src))
        if _same(out, src) or real_src.is_relative_to(real_out):
            raise OutputError(
                f"output folder '{out}' overlaps the input '{src}'; choose a separate output folder "
                "(mgkinetics never writes over its input data)"
            )
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"output folder '{out}' is a file; give a folder")
        _writable_folder(out, f"output folder '{out}'")
        return
    ancestor = out.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    _writable_folder(ancestor, f"output folder '{out}'")


def _file_mode() -> int:
    """The mode an ordinary ``open(path, 'w')`` would give (0o666 minus the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_file(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    For writers that want a path (Parquet, figures). On an exception the temporary file is
    removed and ``path`` is untouched. A ``path`` that is a device or FIFO (``/dev/null``, a
    pipe) is not replaced: the finished file is streamed into it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_file(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    special = _special(target)
    # beside the target, so the rename stays on one file system; a device's folder (/dev) is not
    # ours to write in, and its content is streamed into it instead of renamed over it
    folder = None if special else (target.parent if str(target.parent) else Path("."))
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"cannot write '{target}': {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if special:
            with open(tmp, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            tmp.unlink()
        else:
            os.chmod(tmp, _file_mode())
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    Raises
    ------
    OutputError
        The file cannot be written (the message names it and the system's reason).
    """
    try:
        with atomic_file(path) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None


def atomic_write_text(path: PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, without newline translation.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "fit.csv"
    >>> atomic_write_text(target, "km_mM\\n1.0\\n")
    >>> target.read_text()
    'km_mM\\n1.0\\n'
    """
    atomic_write_bytes(path, text.encode(encoding))


#: In each folder a report publishes (``tables/``, ``figures/``): the names that run wrote, so the
#: next run knows which files are its own (stale, replaced) and which are the user's (kept).
MANIFEST = ".mgkinetics-outputs"


def _link_or_copy(src: str, dst: str) -> None:
    """A hard link of ``src`` at ``dst`` (no second copy of a large file), else a copy."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _write_manifest(folder: Path) -> None:
    """List the names in ``folder`` (this run's outputs) in its :data:`MANIFEST`."""
    names = sorted(p.name for p in folder.iterdir())
    (folder / MANIFEST).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")


def _carry_foreign(old: Path, new: Path) -> None:
    """Record the names in ``new`` (this run's outputs) in its manifest, then carry into ``new``
    every entry of ``old`` that neither this run nor the run that wrote ``old`` (its manifest)
    wrote: the user's own files survive the swap of the whole folder."""
    try:
        previous = set((old / MANIFEST).read_text(encoding="utf-8").splitlines())
    except OSError:  # no manifest (a folder the user made, or an older mgkinetics): keep all
        previous = set()
    _write_manifest(new)
    for item in sorted(old.iterdir()):
        if item.name in previous or item.name == MANIFEST or (new / item.name).exists():
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.copytree(item, new / item.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(item), str(new / item.name))


def _check_kinds(staged: Path, target: Path) -> None:
    """Refuse, before anything moves, a file output where ``target`` holds a folder of that name
    or a folder output where it holds a file (neither is replaced: it may be the user's)."""
    for entry in staged.iterdir():
        dest = target / entry.name
        if not (dest.exists() or dest.is_symlink()):
            continue
        if entry.is_dir() != (dest.is_dir() and not dest.is_symlink()):
            have = "a symbolic link" if dest.is_symlink() else "a folder" if dest.is_dir() else "a file"
            want = "folder" if entry.is_dir() else "file"
            raise OutputError(
                f"'{dest}' is {have}, but the output there is a {want}; move it or choose another "
                "output folder (mgkinetics does not replace it)"
            )


def _publish(staged: Path, target: Path) -> None:
    """Move every entry of ``staged`` into ``target``: files by one rename each, folders swapped
    whole (the old folder of the same name is removed only after the new one is in place, and
    the entries of it that no report wrote are carried into the new one first)."""
    target.mkdir(parents=True, exist_ok=True)
    _check_kinds(staged, target)
    for entry in sorted(staged.iterdir()):
        dest = target / entry.name
        if entry.is_dir():
            if dest.is_dir():
                _carry_foreign(dest, entry)
                old = Path(tempfile.mkdtemp(dir=target, prefix=f".{entry.name}.old."))
                os.replace(dest, old / entry.name)
                os.replace(entry, dest)
                shutil.rmtree(old, ignore_errors=True)
            else:
                _write_manifest(entry)
                os.replace(entry, dest)
        else:
            os.replace(entry, dest)


@contextlib.contextmanager
def atomic_directory(path: PathLike) -> Iterator[Path]:
    """Stage a folder of outputs; publish it into ``path`` only when the block succeeds.

    Write everything into the yielded staging folder (beside ``path``, so renames stay on one
    file system). On success each top-level file replaces its namesake in ``path`` and each
    top-level folder (``tables/``, ``figures/``) replaces the old folder whole, so no stale file
    of a previous run survives beside new ones. Each published folder lists the names it got in
    its ``.mgkinetics-outputs`` manifest; an entry of the old folder that no run wrote (the
    user's own file) is carried into the new folder, never deleted. Other files already in
    ``path`` are left alone. A file output where ``path`` holds a folder of that name (or the
    reverse) is refused before anything moves. On an exception nothing in ``path`` changes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
    >>> with atomic_directory(out) as stage:
    ...     (stage / "tables").mkdir()
    ...     _ = (stage / "tables" / "a.csv").write_text("x\\n")
    >>> sorted(p.name for p in out.rglob("*"))
    ['.mgkinetics-outputs', 'a.csv', 'tables']
    """
    target = Path(path)
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.staging."))
    except OSError as exc:
        raise OutputError(f"cannot write into '{target}': {exc.strerror or exc}") from None
    try:
        yield staged
        try:
            _publish(staged, target)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write into '{target}': {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)
