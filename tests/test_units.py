"""units.py: parsing unit labels, column suffixes, quantities, and conversions.

Expected factors are the SI definitions (1 mM = 1e-3 M, 1 min = 60 s, ...).
"""

from __future__ import annotations

import numpy as np
import pytest

from mgkinetics.errors import MgKineticsError, UnitError
from mgkinetics.units import Unit, column_suffix, convert, parse_column, parse_quantity, parse_unit


@pytest.mark.parametrize(
    "text, label, dimension",
    [
        ("M", "M", (1, 0)),
        ("mM", "mM", (1, 0)),
        ("uM", "uM", (1, 0)),
        ("µM", "uM", (1, 0)),  # micro sign U+00B5
        ("μM", "uM", (1, 0)),  # Greek mu U+03BC
        ("nM", "nM", (1, 0)),
        ("pM", "pM", (1, 0)),
        ("uM/s", "uM/s", (1, -1)),
        ("mM/min", "mM/min", (1, -1)),
        ("uM_per_min", "uM/min", (1, -1)),
        ("µM/h", "uM/h", (1, -1)),
        ("1/s", "1/s", (0, -1)),
        ("1/min", "1/min", (0, -1)),
        ("s^-1", "1/s", (0, -1)),
        ("1/(M*s)", "1/(M*s)", (-1, -1)),
        ("1/M/s", "1/(M*s)", (-1, -1)),
        ("M^-1 s^-1", "1/(M*s)", (-1, -1)),
        ("1/(uM*min)", "1/(uM*min)", (-1, -1)),
        ("1/mM", "1/mM", (-1, 0)),
        ("1", "1", (0, 0)),
    ],
)
def test_parse_unit_labels(text, label, dimension):
    unit = parse_unit(text)
    assert unit.label == label
    assert unit.dimension == dimension
    # the label parses back to the same unit
    assert parse_unit(unit.label) == unit


@pytest.mark.parametrize(
    "text, factor",
    [
        ("mM", 1e-3),
        ("µM", 1e-6),
        ("nM", 1e-9),
        ("uM/min", 1e-6 / 60),
        ("1/h", 1 / 3600),
        ("1/(mM*s)", 1e3),
        ("1/(uM*min)", 1e6 / 60),
    ],
)
def test_factor_si(text, factor):
    assert parse_unit(text).factor_si == pytest.approx(factor, rel=1e-15)


@pytest.mark.parametrize("text", ["kg", "mol", "uM/day", "mm", "uM/s/s", "M^2", "1/", "per"])
def test_parse_unit_unknown_raises_unit_error(text):
    with pytest.raises(UnitError, match="unknown unit"):
        parse_unit(text)


def test_unit_error_is_a_value_error_and_mgkinetics_error():
    with pytest.raises(ValueError):
        parse_unit("furlong")
    assert issubclass(UnitError, MgKineticsError)


@pytest.mark.parametrize(
    "name, stem, label",
    [
        ("atp_total_mM", "atp_total", "mM"),
        ("S_µM", "S", "uM"),
        ("S_μM", "S", "uM"),
        ("rate_uM_per_s", "rate", "uM/s"),
        ("rate_μM_per_min", "rate", "uM/min"),
        ("v0_nM_per_h", "v0", "nM/h"),
        ("kobs_per_min", "kobs", "1/min"),
        ("enzyme_total_nM", "enzyme_total", "nM"),
        ("x_M", "x", "M"),
    ],
)
def test_parse_column_with_suffix(name, stem, label):
    got_stem, unit = parse_column(name)
    assert got_stem == stem
    assert unit is not None and unit.label == label


@pytest.mark.parametrize("name", ["variant", "ph", "temperature_C", "S", "rate", "mM", "rate_per_day"])
def test_parse_column_without_suffix(name):
    assert parse_column(name) == (name, None)


@pytest.mark.parametrize(
    "text, value, label",
    [
        ("500uM", 500.0, "uM"),
        ("2 nM", 2.0, "nM"),
        ("0.5mM", 0.5, "mM"),
        ("1e-3 M", 1e-3, "M"),
        (".25 µM", 0.25, "uM"),
        ("330 1/s", 330.0, "1/s"),
        ("1.5e5 1/(M*s)", 1.5e5, "1/(M*s)"),
    ],
)
def test_parse_quantity(text, value, label):
    number, unit = parse_quantity(text)
    assert number == value
    assert unit.label == label


@pytest.mark.parametrize(
    "text, match", [("abc", "not a quantity"), ("5", "has no unit"), ("5 kg", "unknown unit")]
)
def test_parse_quantity_errors(text, match):
    with pytest.raises(UnitError, match=match):
        parse_quantity(text)


@pytest.mark.parametrize(
    "value, src, dst, expected",
    [
        (0.5, "mM", "uM", 500.0),
        (1.0, "µM", "nM", 1000.0),
        (1.0, "1/min", "1/s", 1 / 60),
        (60.0, "uM/min", "uM/s", 1.0),
        (1.0, "mM/min", "nM/s", 1e6 / 60),
        (1.0, "1/(mM*s)", "1/(M*s)", 1e3),  # per mM is 1000 per M
        (1.0, "1/(uM*min)", "1/(M*s)", 1e6 / 60),
        (2.0, "1/h", "1/min", 2 / 60),
    ],
)
def test_convert_scalar(value, src, dst, expected):
    got = convert(value, src, dst)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-14)


def test_convert_array_and_unit_objects():
    got = convert([1.0, 2.0], parse_unit("uM/min"), Unit("nM", 1, "s", -1))
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, [1000 / 60, 2000 / 60], rtol=1e-14)


@pytest.mark.parametrize(
    "src, dst",
    [("mM", "uM/s"), ("1/s", "uM/s"), ("mM", "1/s"), ("1/(M*s)", "1/s"), ("1", "mM"), ("1/mM", "mM")],
)
def test_convert_across_dimensions_raises(src, dst):
    with pytest.raises(UnitError, match="cannot convert"):
        convert(1.0, src, dst)


@pytest.mark.parametrize(
    "unit, suffix",
    [("uM/s", "uM_per_s"), ("mM", "mM"), ("µM", "uM"), ("1/min", "per_min"), ("mM/min", "mM_per_min")],
)
def test_column_suffix_round_trip(unit, suffix):
    assert column_suffix(unit) == suffix
    stem, parsed = parse_column(f"col_{suffix}")
    assert stem == "col"
    assert parsed == parse_unit(unit)


@pytest.mark.parametrize("unit", ["1/(M*s)", "1", "1/mM"])
def test_column_suffix_rejects_units_without_a_suffix(unit):
    with pytest.raises(UnitError, match="no column suffix"):
        column_suffix(unit)


def test_unit_arithmetic():
    kcat = parse_unit("1/s")
    km = parse_unit("mM")
    assert (kcat / km).label == "1/(mM*s)"
    assert (parse_unit("uM/s") / parse_unit("uM")).label == "1/s"
    with pytest.raises(UnitError, match="cannot combine"):
        parse_unit("uM") * parse_unit("1/mM")
