"""NIST StRD nonlinear regression: significant digits reached by mgkinetics, lmfit and curve_fit.

Fits all 26 problems in ``tests/data/nist/`` (the repository's copy, see its README) from both
NIST starting points with

* **mgk**: ``mgkinetics.fit(data, "expr: <formula_python>", init=start)`` — the safe expression
  law and the library's one fit engine (lmfit Levenberg–Marquardt on a complex-step or Richardson
  Jacobian, lmfit least_squares from the same start when LM does not converge; see
  :mod:`mgkinetics.fitting.engine`);
* **lmfit**: a plain ``lmfit.Model`` of the same formula, ``leastsq`` with default settings;
* **curve_fit**: ``scipy.optimize.curve_fit`` (LM) with default settings.

For each it prints the LRE (log relative error, −log10(|x − c|/|c|), capped at 11; 0 or negative
means no correct digit) of the *worst* parameter value and the worst standard deviation. Every
solve starts from the NIST start values; certified values are used only to score.

Goal: LRE ≥ 6 on every value and SD of every problem from both starts. Lanczos1's SDs are
excepted: its certified RSS (1.4e-25) is below what double precision reproduces, so its SDs
cannot be matched (see the data README). The last line prints the minimum LRE over the rest.

Run: ``python benchmarks/bench_nist.py``.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np

NIST = Path(__file__).resolve().parents[1] / "tests" / "data" / "nist"


def load(info: dict) -> dict[str, np.ndarray]:
    lines = (NIST / info["file"]).read_text().splitlines()
    rows = [line.split() for line in lines[info["data_first_line"] - 1 :] if line.strip()]
    arr = np.array(rows, dtype=float)
    data = {c: arr[:, i] for i, c in enumerate(info["data_columns"])}
    if info["response"] != "y":  # Nelson models log(y)
        data["y"] = np.log(data["y"])
    return data


def lre(x, c) -> float:
    if x is None or not np.isfinite(x):
        return 0.0
    err = abs(x - c) / abs(c)
    return 11.0 if err == 0 else max(0.0, min(11.0, -math.log10(err)))


def score(values: dict, sds: dict, params: dict) -> tuple[float, float]:
    v = min(lre(values.get(p), q["certified"]) for p, q in params.items())
    s = min(lre(sds.get(p), q["certified_sd"]) for p, q in params.items())
    return v, s


def run_mgk(info, data, start):
    import mgkinetics as mgk

    init = {p: q[start] for p, q in info["parameters"].items()}
    res = mgk.fit(data, "expr: " + info["formula_python"], init=init, y="y")
    return ({k: e.value for k, e in res.parameters.items()}, {k: e.stderr for k, e in res.parameters.items()})


def _numpy_func(info):
    """The formula as a Python function for lmfit/curve_fit (trusted benchmark text, not user input)."""
    names = [c for c in info["data_columns"] if c != "y"]
    params = list(info["parameters"])
    src = f"def f({', '.join(names + params)}):\n    return {info['formula_python']}\n"
    scope = {"np": np}
    exec(src, scope)  # noqa: S102 - the NIST transcription shipped with the reference data
    return scope["f"], names, params


def run_lmfit(info, data, start):
    import lmfit

    f, names, params = _numpy_func(info)
    model = lmfit.Model(f, independent_vars=names)
    pars = model.make_params(**{p: info["parameters"][p][start] for p in params})
    out = model.fit(data["y"], pars, **{n: data[n] for n in names})
    return ({p: out.params[p].value for p in params}, {p: out.params[p].stderr for p in params})


def run_curve_fit(info, data, start):
    from scipy.optimize import curve_fit

    f, names, params = _numpy_func(info)
    x = np.vstack([data[n] for n in names])

    def g(xx, *b):
        return f(*xx, *b)

    p0 = [info["parameters"][p][start] for p in params]
    popt, pcov = curve_fit(g, x, data["y"], p0=p0, maxfev=20000)
    sd = np.sqrt(np.diag(pcov))
    return dict(zip(params, popt, strict=False)), dict(zip(params, sd, strict=False))


def main() -> int:
    cert = json.loads((NIST / "certified.json").read_text())
    runners = (("mgk", run_mgk), ("lmfit", run_lmfit), ("curve_fit", run_curve_fit))
    print(
        f"{'problem':10s} {'difficulty':8s} start  "
        + "  ".join(f"{n:>9s} val/sd" for n, _ in runners)
        + "   mgk time"
    )
    misses = []
    worst = math.inf
    t_all = time.perf_counter()
    for name, info in cert.items():
        if name.startswith("_"):
            continue
        data = load(info)
        for start in ("start1", "start2"):
            cells, t_mgk = [], 0.0
            for label, runner in runners:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        v, s = score(*runner(info, data, start), info["parameters"])
                    except Exception:  # a failed solve scores 0 digits
                        v = s = 0.0
                if label == "mgk":
                    t_mgk = time.perf_counter() - t0
                    sd_ok = s >= 6 or name == "Lanczos1"
                    worst = min(worst, v, s if name != "Lanczos1" else v)
                    if v < 6 or not sd_ok:
                        misses.append(f"{name} {start}: {v:.1f}/{s:.1f}")
                cells.append(f"{v:5.1f}/{s:4.1f}")
            print(
                f"{name:10s} {info['difficulty']:8s} {start[-1]:>5s}  "
                + "  ".join(f"{c:>16s}" for c in cells)
                + f"   {t_mgk:6.2f}s"
            )
    print(f"total time {time.perf_counter() - t_all:.1f}s")
    print(f"mgk: minimum LRE over every value and SD (Lanczos1 SDs excepted): {worst:.1f}")
    print("goal (>= 6 digits where required): " + ("met" if not misses else "MISSED: " + "; ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
