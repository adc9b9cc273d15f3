"""Tecan Magellan "well list" exports (one row per well, one column per label), synthesised here.

Layout of public Magellan exports: a header row with ``Well positions`` and the label columns, under
each label its time (``0s``) and temperature (``24.8 °C``), one row per well, and a footer stating each
measurement's wavelength and temperature. The expected values are the numbers each test writes.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from mgkinetics.data.plates import read_traces, tecan_magellan
from mgkinetics.errors import DataFormatError

WELLS = ["A1", "A2", "B1", "P24"]


def _write(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Magellan Sheet 1"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _value(well: int, label: int) -> float:
    return round(0.04 + 0.01 * well + 0.5 * label, 4)


def _footer(wavelengths: list[int], temperatures: list[float], labels: list[str]) -> list[list]:
    rows = [[], ["Date of measurement: 2021-07-08/Time of measurement: 14:34:46"], ["x.mth"]]
    for k, wl in enumerate(wavelengths):
        rows += [
            [f"Measurement {k + 1}:"],
            ["Measurement mode: Absorbance"],
            [f"Measurement wavelength: {wl} nm"],
        ]
    rows += [[f"Meas. temperature: {name}: {t} °C"] for name, t in zip(labels, temperatures)]
    return rows


def test_magellan_well_list_two_labels_with_time_and_temperature_rows(tmp_path):
    rows = [["Well positions", "Label1", "Label2"], [None, "0s", "0s"], [None, "24.8 °C", "25.1 °C"]]
    rows += [[well, _value(i, 0), _value(i, 1)] for i, well in enumerate(WELLS)]
    rows += _footer([485, 560], [24.8, 25.1], ["Label1", "Label2"])
    path = _write(tmp_path / "list.xlsx", rows)
    assert tecan_magellan.sniff(path)
    result = read_traces(path)
    assert result.instrument == "tecan_magellan" and result.metadata["layout"] == "well list"
    got = sorted(
        zip(
            result.frame["well"],
            result.frame["wavelength_nm"],
            result.frame["temperature_C"],
            result.frame["time_s"],
            result.frame["signal"],
        )
    )
    expected = sorted(
        (well, wl, temp, 0.0, _value(i, k))
        for i, well in enumerate(WELLS)
        for k, (wl, temp) in enumerate(((485, 24.8), (560, 25.1)))
    )
    assert got == expected
    assert set(result.frame["plate"]) == {1}


def test_magellan_well_list_label_mapping_and_footer_temperature(tmp_path):
    """``Label1=535`` cells name the wavelengths; no time row (endpoint, t = 0); the footer's temperature."""
    rows = [
        ["Label1", "Label2", "Well positions", None, "Label1=535"],
        [None, None, None, None, "Label2=700"],
    ]
    rows += [[_value(i, 0), _value(i, 1), well] for i, well in enumerate(WELLS)]
    rows += _footer([535, 700], [23.4, 23.5], ["Label1", "Label2"])
    result = read_traces(_write(tmp_path / "list.xlsx", rows))
    frame = result.frame.sort_values(["wavelength_nm", "well"])
    assert frame["wavelength_nm"].tolist() == [535] * 4 + [700] * 4
    assert frame["signal"].tolist() == [_value(i, k) for k in (0, 1) for i in (0, 1, 2, 3)]
    assert frame["temperature_C"].tolist() == [23.4] * 4 + [23.5] * 4 and (frame["time_s"] == 0).all()


def test_magellan_well_list_value_without_well_name_is_a_problem(tmp_path):
    rows = [["Raw data", "Well positions", "Plate"], [0.1462, "A1", "96WEL008"], [0.2118, None, "96WEL008"]]
    rows += _footer([595], [23.4], ["Raw data"])
    with pytest.raises(DataFormatError) as info:
        read_traces(_write(tmp_path / "list.xlsx", rows))
    assert [(p.line, p.column) for p in info.value.problems] == [(3, "Magellan Sheet 1!A3")]
    assert "without a well name" in info.value.problems[0].message
