"""Outputs, hold-out cases (issue 12) found by edges4 and fixed in report/output.py: a FIFO or device
is written through, never replaced; two outputs of one command on one path and an output onto an
input's NAME.meta.json are refused."""

from __future__ import annotations

import os
import stat

import pytest
from holdout_common import TABLE, run


# was: atomic_file renamed a temporary file over any target, so `--out /dev/null` would have
# replaced the device node with a regular file (it did replace /dev/full); a FIFO stands in here
def test_out_to_a_fifo_or_device_is_written_through_not_replaced(data, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that a writer can open it
    try:
        res = run("fit", data, "--law", "michaelis_menten", "--out", fifo)
        written = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert res.exit_code == 0, res.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert b"michaelis_menten fit of" in written


# was: `--out x.png --plot x.png` wrote the text, then the figure over it, exit 0
def test_two_outputs_of_one_command_on_the_same_path_are_refused(data, tmp_path):
    res = run(
        "fit", data, "--law", "michaelis_menten", "--out", tmp_path / "x.png", "--plot", tmp_path / "x.png"
    )
    assert res.exit_code == 2 and res.stderr.startswith("Error:"), res.output


# was: `fit data.csv --format json --out data.meta.json` wrote the fit where the next run reads metadata
def test_out_onto_an_inputs_metadata_sidecar_is_refused(data):
    res = run(
        "fit", data, "--law", "michaelis_menten", "--format", "json", "--out", data.with_suffix(".meta.json")
    )
    assert res.exit_code == 2 and "meta.json" in res.stderr, res.output
    assert not data.with_suffix(".meta.json").exists()


@pytest.mark.parametrize(
    "failure, code, message",
    [
        (OSError(28, "No space left on device"), 2, "No space left on device"),  # a full disk
        (KeyboardInterrupt(), 1, ""),  # Ctrl-C while the output is being written
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_a_failed_or_interrupted_write_leaves_the_old_output_and_no_partial_file(
    data, tmp_path, monkeypatch, failure, code, message, fmt
):
    out = tmp_path / "out" / "fit.txt"
    out.parent.mkdir()
    out.write_text("previous run\n", encoding="utf-8")

    def fail(fd):
        raise failure

    monkeypatch.setattr(os, "fsync", fail)  # the last step before the rename
    res = run("fit", data, "--law", "michaelis_menten", "--format", fmt, "--out", out)
    assert res.exit_code == code, res.output
    if message:
        assert res.stderr.startswith("Error:") and message in res.stderr and "Traceback" not in res.stderr
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["fit.txt"]  # no temporary file left
    assert data.read_text(encoding="utf-8") == TABLE
