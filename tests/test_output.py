"""Output safety (issue 12 item 1): no writing command overwrites its input, a bad output path
fails before any computation, and every output is written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.errors import MgKineticsError, OutputError
from mgkinetics.report.output import (
    atomic_directory,
    atomic_file,
    atomic_write_text,
    check_output_dir,
    check_outputs,
)

S = np.array([0.5, 1, 2, 4, 8, 16.0])
#: ±1e-6 relative off the hyperbola: exact data would leave rounding-level residuals, whose
#: zero-width standard errors are not_identifiable (exit 2); these tests are about the outputs
WOBBLE = 1 + 1e-6 * np.array([1, -1, 1, -1, -1, 1])
MM_CSV = "s_mM,rate_uM_per_s\n" + "".join(f"{s},{float(10 * s / (2 + s) * w)!r}\n" for s, w in zip(S, WOBBLE))
VARIANTS_CSV = "variant,s_mM,rate_uM_per_s\n" + "".join(
    f"{v},{s},{float(vmax * s / (2 + s) * w)!r}\n"
    for v, vmax in (("wt", 10.0), ("mut", 5.0))
    for s, w in zip(S, WOBBLE)
)
BATCH_CSV = "curve,s_mM,rate_uM_per_s\n" + "".join(
    f"{c},{s},{float(vmax * s / (2 + s) * w)!r}\n"
    for c, vmax in (("a", 10.0), ("b", 5.0))
    for s, w in zip(S, WOBBLE)
)
SPECIATE_CSV = "atp_total_mM,mg_total_mM\n1,2\n2,2\n"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _commands(data: Path) -> dict[str, list]:
    """Each writing command with valid arguments for ``data`` (its content chosen by the caller)."""
    return {
        "fit": ["fit", data, "--law", "michaelis_menten", "--format", "csv"],
        "select": ["select", data, "--laws", "michaelis_menten,hill"],
        "compare": ["compare", data, "--law", "michaelis_menten"],
        "batch": ["batch", data, "--law", "michaelis_menten", "--curve", "curve"],
        "speciate": ["speciate", data],
    }


CONTENT = {
    "fit": MM_CSV,
    "select": MM_CSV,
    "compare": VARIANTS_CSV,
    "batch": BATCH_CSV,
    "speciate": SPECIATE_CSV,
}


@pytest.mark.parametrize("command", sorted(CONTENT))
@pytest.mark.parametrize("alias", ["same", "dot", "symlink", "hardlink"])
def test_no_command_overwrites_its_input(tmp_path, command, alias):
    data = tmp_path / "data.csv"
    data.write_text(CONTENT[command], encoding="utf-8")
    before = data.read_bytes()
    out = {
        "same": data,
        "dot": tmp_path / "." / "data.csv",
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
    }[alias]
    if alias == "symlink":
        out.symlink_to(data)
    elif alias == "hardlink":
        os.link(data, out)
    res = run(*_commands(data)[command], "--out", out)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("Error: output") and "is the input" in res.stderr
    assert "Traceback" not in res.output
    assert data.read_bytes() == before


@pytest.mark.parametrize("command", sorted(CONTENT))
def test_every_command_writes_its_out_file(tmp_path, command):
    data = tmp_path / "data.csv"
    data.write_text(CONTENT[command], encoding="utf-8")
    out = tmp_path / "result.txt"
    res = run(*_commands(data)[command], "--out", out)
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_missing_output_folder_fails_before_computing(tmp_path, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text(MM_CSV, encoding="utf-8")
    from mgkinetics.fitting import single

    def boom(*a, **k):  # the fit must not even start
        raise AssertionError("computed before checking the output")

    monkeypatch.setattr(single, "fit", boom)
    res = run("fit", data, "--law", "michaelis_menten", "--out", tmp_path / "nowhere" / "fit.txt")
    assert res.exit_code == 2
    assert "folder" in res.stderr and "does not exist" in res.stderr
    assert "Traceback" not in res.output


def test_output_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_outputs([], [tmp_path])


def test_read_only_folder_is_refused(tmp_path, monkeypatch):
    # root may write into a 0o500 folder, so the folder is made unwritable for os.access instead:
    # the check must ask the operating system, whoever runs the tests
    from mgkinetics.report import output

    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(output.os, "access", lambda p, mode: False if Path(p) == ro else real_access(p, mode))
    with pytest.raises(OutputError, match="not writable"):
        check_outputs([], [ro / "x.csv"])


def test_output_error_is_an_os_error_and_a_library_error():
    assert issubclass(OutputError, MgKineticsError) and issubclass(OutputError, OSError)


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "fit.csv"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.csv"]


def test_atomic_write_gives_an_ordinary_file_mode(tmp_path):
    target = tmp_path / "x.txt"
    atomic_write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_directory_publishes_only_on_success(tmp_path):
    out = tmp_path / "report"
    with atomic_directory(out) as stage:
        (stage / "tables").mkdir()
        (stage / "tables" / "a.csv").write_text("new a")
        (stage / "report.md").write_text("new report")
    (out / "notes.txt").write_text("the user's own file")
    with pytest.raises(RuntimeError):
        with atomic_directory(out) as stage:
            (stage / "report.md").write_text("half")
            raise RuntimeError("interrupted")
    assert (out / "report.md").read_text() == "new report"
    # A second run replaces tables/ whole (no stale a.csv) and keeps the user's file.
    with atomic_directory(out) as stage:
        (stage / "tables").mkdir()
        (stage / "tables" / "b.csv").write_text("b")
        (stage / "report.md").write_text("second")
    assert sorted(p.name for p in (out / "tables").iterdir()) == [".mgkinetics-outputs", "b.csv"]
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert (out / "report.md").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging folder left


def test_output_folder_containing_an_input_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.csv").write_text("a\n")
    for out in (data, tmp_path):
        with pytest.raises(OutputError, match="overlaps the input"):
            check_output_dir([data], out)
    check_output_dir([data], tmp_path / "elsewhere" / "deeper")  # missing folders are created later


def test_report_refuses_its_data_folder_and_survives_an_interruption(tmp_path, monkeypatch):
    data = tmp_path / "d"
    data.mkdir()
    s = [0.5, 1, 2, 4, 8, 16]
    rows = "".join(f"{x},{10 * x / (2 + x) * (1 + 0.02 * (-1) ** i):.5g}\n" for i, x in enumerate(s))
    (data / "x.csv").write_text("s_mM,rate_uM_per_s\n" + rows)
    spec = data / "r.toml"
    spec.write_text('title = "t"\n[[analysis]]\nname = "a"\ndata = "x.csv"\nlaw = "michaelis_menten"\n')
    res = run("report", spec, "--out", data)
    assert res.exit_code == 2 and "overlaps the input" in res.stderr
    # An interrupted report leaves the previous report untouched.
    out = tmp_path / "reports"
    out.mkdir()
    (out / "report.md").write_text("previous")
    import mgkinetics.report.render as render

    def interrupted(report, folder):
        Path(folder, "report.md").write_text("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "write_into", interrupted)
    run("report", spec, "--out", out)
    assert (out / "report.md").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "reports"]


def test_datasets_export_is_atomic_and_checked(tmp_path):
    res = run("datasets", "export", "ak_mgatp_saturation", "--out", tmp_path / "x")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [
        "ak_mgatp_saturation.csv",
        "ak_mgatp_saturation.meta.json",
    ]
    res = run("datasets", "export", "no_such_set", "--out", tmp_path / "y")
    assert res.exit_code == 2 and not (tmp_path / "y").exists()
    (tmp_path / "file").write_text("")
    res = run("datasets", "export", "ak_mgatp_saturation", "--out", tmp_path / "file")
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_metadata_sidecar_of_an_input_is_never_an_output(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(MM_CSV, encoding="utf-8")
    meta = tmp_path / "data.meta.json"
    meta.write_text("{}", encoding="utf-8")
    res = run("fit", data, "--law", "michaelis_menten", "--format", "json", "--out", meta)
    assert res.exit_code == 2 and "is the input" in res.stderr
    assert meta.read_text(encoding="utf-8") == "{}"


def test_json_beside_the_csv_is_an_ordinary_output(tmp_path):
    # only NAME.meta.json is read as metadata (issue 12): `fit x.csv --format json --out x.json` works
    data = tmp_path / "data.csv"
    data.write_text(MM_CSV, encoding="utf-8")
    res = run("fit", data, "--law", "michaelis_menten", "--format", "json", "--out", tmp_path / "data.json")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))["fits"]


def test_output_onto_an_inputs_sidecar_that_does_not_exist_yet_is_refused(tmp_path):
    # hold-out (edges4): the next run would read the fit as the table's metadata
    data = tmp_path / "data.csv"
    data.write_text(MM_CSV, encoding="utf-8")
    meta = data.with_suffix(".meta.json")
    res = run("fit", data, "--law", "michaelis_menten", "--format", "json", "--out", meta)
    assert res.exit_code == 2 and "meta.json" in res.stderr and "is the input" in res.stderr, res.output
    assert not meta.exists()


def test_two_outputs_of_one_command_on_one_path_are_refused_before_computing(tmp_path):
    # hold-out (edges4): `--out x.png --plot x.png` wrote the text, then the figure over it, exit 0
    data = tmp_path / "data.csv"
    data.write_text(MM_CSV, encoding="utf-8")
    same = tmp_path / "x.png"
    res = run("fit", data, "--law", "michaelis_menten", "--out", same, "--plot", same)
    assert res.exit_code == 2 and res.stderr.startswith("Error:") and "same file" in res.stderr, res.output
    assert not same.exists()
    link = tmp_path / "link.png"
    link.symlink_to(same)  # a symbolic link to the other output is the same file too
    with pytest.raises(OutputError, match="same file"):
        check_outputs([data], [same, link])
