"""Auto-detection on the reference exports: exactly one sniffer claims each file, and it is the right one.

The reference files are tests/data/plates (real exports, see its README). ``generic`` (any wide table)
is tried last, so it may also claim a file; every other sniffer must claim only its own instrument's.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from mgkinetics.data.plates import INSTRUMENTS, read_traces
from mgkinetics.errors import DataFormatError

DATA = Path(__file__).parent / "data" / "plates"
OWNER = {  # reference file -> the instrument that must read it
    "spectramax190_kinetic.txt": "spectramax",
    "multiskan_spectrum_1500.txt": "multiskan_spectrum",
    "biotek_epoch2.xlsx": "biotek_gen5",
    "multiskan_sky.xlsx": "multiskan_sky",
    "tecan_magellan.xlsx": "tecan_magellan",
    "tecan_spark.xlsx": "tecan_spark",
}
MODULES = {name: importlib.import_module(f"mgkinetics.data.plates.{name}") for name in INSTRUMENTS}


@pytest.mark.parametrize("name", sorted(OWNER))
def test_only_the_owning_sniffer_claims_a_reference_export(name):
    claimed = [m for m, module in MODULES.items() if m != "generic" and module.sniff(DATA / name)]
    assert claimed == [OWNER[name]]
    assert read_traces(DATA / name).instrument == OWNER[name]


def test_the_reference_set_is_covered_and_the_plate_map_is_claimed_by_none():
    exports = {p.name for p in DATA.iterdir() if p.suffix in (".txt", ".xlsx")}
    assert exports - set(OWNER) == {"plate_map_SAHH_kinetics.xlsx"}  # a layout, not readings
    path = DATA / "plate_map_SAHH_kinetics.xlsx"
    assert [m for m, module in MODULES.items() if module.sniff(path)] == []
    with pytest.raises(DataFormatError, match="not a plate-reader export"):
        read_traces(path)
