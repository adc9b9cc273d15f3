"""Safe user expressions: parsing, refusal of unsafe text, fitting with and without unit suffixes."""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.errors import LawError
from mgkinetics.laws.expression import expression_law, parse_expression

S = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
V = 10 * S / (2 + S)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hacked')",
        "x.__class__",
        "np.os",
        "(lambda: 1)()",
        "[a for a in x]",
        "x[0]",
        "exp(x, out=x)",
        "open('f')",
        "'text' * 3",
        "x if x else 1",
        "a < b",
        "eval('1')",
        "_secret + 1",
    ],
)
def test_unsafe_expressions_are_refused_before_running(text, monkeypatch):
    # If anything were executed these would be called; make them fail the test loudly.
    import builtins
    import os

    def boom(*a, **k):
        pytest.fail("user text was executed")

    for name in ("eval", "exec", "open"):
        monkeypatch.setattr(builtins, name, boom)
    monkeypatch.setattr(os, "system", boom)
    with pytest.raises(LawError):
        parse_expression(text)


def test_syntax_error_is_a_law_error():
    with pytest.raises(LawError, match="not valid"):
        parse_expression("vmax*S/(km + ")


def test_huge_integer_powers_do_not_hang():
    f, _ = parse_expression("9**9**9 + x")
    with np.errstate(over="ignore"):
        assert np.isinf(f({"x": 1.0}))


def test_numpy_prefixes_and_constants():
    f, names = parse_expression("np.exp(-b*x) + numpy.sqrt(x) + pi")
    assert names == ("b", "x")
    assert f({"b": 0.0, "x": 4.0}) == pytest.approx(1 + 2 + np.pi, rel=1e-15)


def test_law_signature_and_parameters_from_init():
    law = expression_law("expr: vmax*S/(km + S)", params=["km", "vmax"])
    assert law.input_names == ("S",) and law.param_names == ("vmax", "km")
    assert law.units_optional


def test_missing_parameter_names_is_explained():
    with pytest.raises(LawError, match="--init"):
        expression_law("expr: vmax*S/(km + S)")
    with pytest.raises(LawError, match="no parameter 'kcat'"):
        expression_law("expr: vmax*S/(km + S)", params=["kcat"])


def test_fit_unsuffixed_columns_reports_unspecified_units():
    res = mgk.fit({"S": S, "y": V}, "expr: vmax*S/(km + S)", init={"vmax": 5, "km": 1})
    assert res.parameters["km"].value == pytest.approx(2.0, rel=1e-8)
    assert res.parameters["vmax"].unit.label == "unspecified"


def test_fit_suffixed_columns_works_too():
    res = mgk.fit({"S_mM": S, "rate_uM_per_s": V}, "expr: vmax*S/(km + S)", init={"vmax": 5, "km": 1})
    assert res.parameters["km"].value == pytest.approx(2.0, rel=1e-8)
    assert res.input_units["S"].label == "mM"


def test_x_option_maps_the_single_input():
    res = mgk.fit({"conc": S, "y": V}, "expr: vmax*c/(km + c)", init={"vmax": 5, "km": 1}, x="conc")
    assert res.parameters["vmax"].value == pytest.approx(10.0, rel=1e-8)


def test_nist_misra1a_certified_to_seven_digits(shared_dir):
    # NIST StRD Misra1a, Start 1; certified values from certified.json (LRE >= 7 expected).
    import json

    info = json.loads((shared_dir / "nist" / "certified.json").read_text())["Misra1a"]
    lines = (shared_dir / "nist" / info["file"]).read_text().splitlines()[info["data_first_line"] - 1:]
    arr = np.array([ln.split() for ln in lines if ln.strip()], dtype=float)
    res = mgk.fit({"y": arr[:, 0], "x": arr[:, 1]}, "expr: " + info["formula_python"],
                  init={p: q["start1"] for p, q in info["parameters"].items()})
    for p, q in info["parameters"].items():
        assert res.parameters[p].value == pytest.approx(q["certified"], rel=1e-7)
        assert res.parameters[p].stderr == pytest.approx(q["certified_sd"], rel=1e-6)
