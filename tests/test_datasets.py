"""The built-in AK datasets: deterministic generator, metadata, simulated provenance, access, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.data import builtin as datasets

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("ak_amp_saturation", "ak_bibi_grid", "ak_fixed_ratio", "ak_mg_titration", "ak_mgatp_saturation")


def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    from mgkinetics_datasets import generate

    written = generate.generate(tmp_path)
    assert sorted(p.stem for p in written) == sorted(NAMES)
    for name in NAMES:
        for suffix in (".csv", ".meta.json"):
            assert (tmp_path / f"{name}{suffix}").read_bytes() == (
                ROOT / "datasets" / f"{name}{suffix}"
            ).read_bytes()


def test_list_datasets():
    assert tuple(datasets.list_datasets()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_metadata_fields_and_simulated_provenance(name):
    meta = datasets.metadata(name)
    for key in (
        "enzyme",
        "organism",
        "variants",
        "assay",
        "conditions",
        "units",
        "generating_law",
        "true_parameters",
        "noise_model",
        "seed",
        "provenance",
    ):
        assert key in meta, key
    assert meta["simulated"] is True
    assert "SIMULATED" in meta["provenance"]
    assert "eado5504" in meta["provenance"] and "Tsai" in meta["provenance"]
    assert "presumed" in meta["provenance"].lower()
    assert meta["conditions"] == {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}
    assert meta["assay"]["nadh_per_turnover"] == 2 and meta["assay"]["epsilon340_per_M_per_cm"] == 6220
    assert meta["true_parameters"]["WT"]["kcat"]["value"] == 330.0
    assert meta["true_parameters"]["D84A"]["kcat"]["value"] == 1.8
    first = (ROOT / "datasets" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# SIMULATED")


@pytest.mark.parametrize("name", NAMES)
def test_load_reads_columns_and_metadata(name):
    ds = datasets.load(name)
    assert {
        "variant",
        "replicate",
        "enzyme_nM",
        "atp_total_mM",
        "amp_total_mM",
        "mg_total_mM",
        "pep_total_mM",
        "rate_uM_per_s",
    } <= set(ds.columns)
    assert set(ds.values["variant"]) == {"WT", "D84A"}
    assert ds.metadata["name"] == name
    assert (ds.values["rate_uM_per_s"] > 0).all()


def test_unknown_dataset_names_the_choices():
    from mgkinetics.errors import DataFormatError

    with pytest.raises(DataFormatError, match="ak_bibi_grid"):
        datasets.load("ak_bibi_gird")


def test_export_copies_csv_and_metadata(tmp_path):
    paths = datasets.export("ak_bibi_grid", tmp_path)
    assert [p.name for p in paths] == ["ak_bibi_grid.csv", "ak_bibi_grid.meta.json"]
    assert json.loads(paths[1].read_text(encoding="utf-8"))["simulated"] is True


def test_cli_list_describe_export(tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["datasets", "list"])
    assert out.exit_code == 0 and "ak_mg_titration" in out.output and "[simulated]" in out.output
    out = runner.invoke(cli, ["datasets", "describe", "ak_fixed_ratio"])
    assert out.exit_code == 0 and "SIMULATED" in out.output and "truth D84A" in out.output
    out = runner.invoke(cli, ["datasets", "export", "ak_fixed_ratio", "--out", str(tmp_path)])
    assert out.exit_code == 0 and (tmp_path / "ak_fixed_ratio.meta.json").is_file()
    out = runner.invoke(cli, ["datasets", "describe", "nope"])
    assert out.exit_code == 2 and "Error:" in out.output
