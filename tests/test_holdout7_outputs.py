"""Hold-out cases (edges7, issue 12 "data are never overwritten"): a report written into a folder
that already holds the user's own files.

Before: ``report --out proj`` swapped ``proj/tables/`` and ``proj/figures/`` whole, so a file the
user kept there (``notes.txt``, their own figure) was deleted with exit 0; a folder of the user's
named like an output file (``proj/report.md/``) was removed with ``rmtree``.
"""

from __future__ import annotations

from holdout_common import TABLE, run

from mgkinetics.report.output import MANIFEST, atomic_directory

SPEC = 'title = "t"\n[[analysis]]\nname = "a"\ndata = "x.csv"\nlaw = "michaelis_menten"\n'


def _spec(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "x.csv").write_text(TABLE, encoding="utf-8")
    (data / "r.toml").write_text(SPEC, encoding="utf-8")
    return data / "r.toml"


def test_report_keeps_the_users_files_in_its_tables_and_figures_folders(tmp_path):
    spec = _spec(tmp_path)
    out = tmp_path / "proj"
    (out / "tables" / "mine").mkdir(parents=True)
    (out / "figures").mkdir()
    (out / "tables" / "notes.txt").write_text("the user's notes\n", encoding="utf-8")
    (out / "tables" / "mine" / "raw.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (out / "figures" / "gel.png").write_bytes(b"\x89PNG user figure")
    for _ in range(2):  # the first run finds a folder without a manifest, the second its own
        res = run("report", spec, "--out", out)
        assert res.exit_code == 0, res.output
        assert (out / "tables" / "notes.txt").read_text(encoding="utf-8") == "the user's notes\n"
        assert (out / "tables" / "mine" / "raw.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"
        assert (out / "figures" / "gel.png").read_bytes() == b"\x89PNG user figure"
        assert (out / "tables" / "a_estimates.csv").is_file()
    # the manifest lists this run's outputs only, not the user's files
    listed = (out / "tables" / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert "a_estimates.csv" in listed and "notes.txt" not in listed and "mine" not in listed


def test_a_stale_output_of_the_previous_run_still_goes(tmp_path):
    out = tmp_path / "report"
    with atomic_directory(out) as stage:
        (stage / "tables").mkdir()
        (stage / "tables" / "old_table.csv").write_text("old", encoding="utf-8")
    (out / "tables" / "notes.txt").write_text("mine", encoding="utf-8")  # added by the user
    with atomic_directory(out) as stage:
        (stage / "tables").mkdir()
        (stage / "tables" / "new_table.csv").write_text("new", encoding="utf-8")
    names = sorted(p.name for p in (out / "tables").iterdir())
    assert names == [MANIFEST, "new_table.csv", "notes.txt"]


def test_a_users_folder_named_like_an_output_file_is_refused_not_removed(tmp_path):
    spec = _spec(tmp_path)
    out = tmp_path / "proj"
    (out / "report.md").mkdir(parents=True)
    (out / "report.md" / "draft.txt").write_text("draft", encoding="utf-8")
    res = run("report", spec, "--out", out)
    assert res.exit_code == 2
    assert res.stderr.startswith("Error:") and "is a folder" in res.stderr
    assert (out / "report.md" / "draft.txt").read_text(encoding="utf-8") == "draft"
    assert not (out / "report.html").exists()  # refused before anything moved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "proj"]  # no staging folder left


def test_report_enzymeml_refuses_the_metadata_of_a_builtin_dataset(tmp_path, monkeypatch):
    """Before: ``report --format enzymeml --out datasets/ak_bibi_grid.meta.json`` overwrote the
    built-in dataset's metadata with the document (exit 0): that check listed no inputs. Here the
    datasets are copies in tmp_path (the command reads whatever ``dataset_paths`` names), so a
    regression cannot touch the shipped files."""
    import shutil

    from mgkinetics.ak import report as ak

    shipped = ak.dataset_paths()
    for p in shipped.values():
        shutil.copy(p, tmp_path / p.name)
        shutil.copy(p.with_suffix(".meta.json"), tmp_path / f"{p.stem}.meta.json")
    copies = {n: tmp_path / p.name for n, p in shipped.items()}
    monkeypatch.setattr(ak, "dataset_paths", lambda data_dir=None: copies)
    meta = tmp_path / "ak_bibi_grid.meta.json"
    before = meta.read_bytes()
    res = run("report", "--format", "enzymeml", "--out", meta)
    assert res.exit_code == 2 and "the metadata the reader takes from beside" in res.stderr
    assert meta.read_bytes() == before
    assert not (tmp_path / "ak_bibi_grid.meta.stats.json").exists()


def test_a_symlinked_tables_folder_is_refused_and_its_target_untouched(tmp_path):
    """``DIR/tables`` a symbolic link to the user's folder: the original publish failed half-way
    (a rename over the link, after report.html had moved in); the first refusal called the link
    "a folder" and the output "a file" (both wrong). Now: refused before anything moves, naming
    the link; the folder it points to is untouched."""
    spec = _spec(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "proj"
    out.mkdir()
    (out / "tables").symlink_to(real, target_is_directory=True)
    res = run("report", spec, "--out", out, "--no-figures", "--jobs", "1")
    assert res.exit_code == 2 and "is a symbolic link" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["tables"] and (out / "tables").is_symlink()
    assert sorted(p.name for p in real.iterdir()) == ["keep.txt"]
