"""Figures of results (mgkinetics.report.figures) and the --plot options.

Data are simulated from each law at stated parameters with a deterministic ±3 % ripple, so every
fit converges near the truth; the checks are about what the figure shows: units on both axes, a
band, residuals, v/[E] computed as rate/[E] in s⁻¹, the diagnostic views mapping the fitted curve.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the tests choose the backend; the library never does

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from mgkinetics_cli.main import cli  # noqa: E402

import mgkinetics as mgk  # noqa: E402
from mgkinetics.data import builtin  # noqa: E402
from mgkinetics.report import figures  # noqa: E402
from mgkinetics.report.savefig import figure_svg, save_figure  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src" / "mgkinetics"
DATA = Path(__file__).parent / "data" / "report"
TRUTH = {"vmax": 10.0, "km": 2.0, "ki": 1.5, "alpha": 3.0, "k_half": 2.0, "n": 1.6, "ksi": 30.0, "kcat": 50.0}
CLASSIC = [
    "michaelis_menten",
    "michaelis_menten_kcat",
    "hill",
    "substrate_inhibition",
    "competitive",
    "uncompetitive",
    "noncompetitive",
    "mixed",
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _simulated(law_name: str) -> dict:
    law = mgk.get_law(law_name)
    s = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
    levels = [0.0, 1.0, 3.0] if "inhibitor" in law.input_names else [None]
    cols: dict[str, list] = {"s_mM": [], "rate_uM_per_s": []}
    for i in levels:
        inputs = {"substrate": s}
        if i is not None:
            inputs["inhibitor"] = np.full_like(s, i)
            cols.setdefault("i_mM", []).extend(inputs["inhibitor"])
        if "enzyme" in law.input_names:
            inputs["enzyme"] = np.full_like(s, 0.002)  # 2 nM in µM, the rate's concentration unit
            cols.setdefault("enzyme_nM", []).extend(np.full_like(s, 2.0))
        v = law.evaluate(inputs, {p: TRUTH[p] for p in law.param_names}) * (1 + 0.03 * np.cos(7 * s))
        cols["s_mM"].extend(s)
        cols["rate_uM_per_s"].extend(v)
    return {k: np.asarray(v) for k, v in cols.items()}


def _band(ax) -> PolyCollection:
    return next(c for c in ax.collections if isinstance(c, PolyCollection))


@pytest.mark.parametrize("law", CLASSIC)
def test_every_classic_law_plots_with_units_band_and_residuals(law):
    kw = {"enzyme": "enzyme_nM"} if law == "michaelis_menten_kcat" else {}
    res = mgk.fit(_simulated(law), law, **kw)
    assert res.success
    fig = res.plot()
    top, bottom = fig.axes
    assert top.get_ylabel() == "rate (µM/s)"
    assert bottom.get_xlabel() == "substrate concentration (mM)"
    assert re.fullmatch(r"residual \(µM/s\)", bottom.get_ylabel())
    band = _band(top).get_paths()[0].vertices
    assert band[:, 1].max() > band[:, 1].min()  # a band, not a line
    # one fitted curve per inhibitor level (three levels simulated for inhibition laws)
    n_series = 3 if "inhibitor" in mgk.get_law(law).input_names else 1
    assert len([ln for ln in top.get_lines() if ln.get_linestyle() == "-"]) == n_series


def test_prediction_band_is_wider_than_confidence_band():
    res = mgk.fit(_simulated("michaelis_menten"), "michaelis_menten")
    conf = _band(res.plot().axes[0]).get_paths()[0].vertices[:, 1]
    pred = _band(res.plot(band="prediction").axes[0]).get_paths()[0].vertices[:, 1]
    assert np.ptp(pred) > np.ptp(conf)


def test_mgatp_mm_plot_names_total_atp_and_normalises_by_enzyme():
    res = mgk.fit(builtin.path("ak_mgatp_saturation"), "mgatp_mm", group="variant", weights="relative")
    wt = res["WT"]
    fig = wt.plot(log_x=True, per_enzyme=True)
    top, bottom = fig.axes
    assert top.get_ylabel() == "v/[E] (s⁻¹)" and bottom.get_xlabel() == "total ATP (mM)"
    assert top.get_xscale() == "log" and bottom.get_ylabel() == "residual (% of fit)"
    points = next(ln for ln in top.get_lines() if ln.get_marker() == "o")
    # rate µM/s over enzyme nM, by hand: v·1e-6 / (E·1e-9) s⁻¹
    expected = wt.data["rate"] * 1e-6 / (wt.data["enzyme"] * 1e-6)  # the fit holds [E] in µM
    assert np.allclose(points.get_ydata(), expected, rtol=1e-12)


def test_two_variant_comparison_is_normalised_by_enzyme():
    cmp = mgk.compare(
        builtin.path("ak_mgatp_saturation"), "mgatp_mm", by="variant", reference="WT", weights="relative"
    )
    fig = cmp.plot(log_x=True)
    top = fig.axes[0]
    assert top.get_ylabel() == "v/[E] (s⁻¹)"
    # WT at 2 nM and D84A at 200 nM differ ~200-fold in kcat: the rate axis becomes logarithmic
    assert top.get_yscale() == "log"
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert "WT fit" in labels and "D84A fit" in labels


def test_ratio_plot_labels_quantities_in_words():
    cmp = mgk.compare(
        builtin.path("ak_mgatp_saturation"), "mgatp_mm", by="variant", reference="WT", weights="relative"
    )
    ax = figures.plot_ratios(cmp).axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "turnover number\n(kcat)"
    assert ax.get_ylabel() == "D84A / WT (95% CI)"


def test_lineweaver_burk_maps_the_fitted_curve():
    res = mgk.fit(_simulated("michaelis_menten"), "michaelis_menten")
    ax = res.plot(view="lineweaver_burk").axes[0]
    assert "diagnostic" in ax.get_title()
    line = next(ln for ln in ax.get_lines() if ln.get_linestyle() == "-")
    x, y = line.get_xdata(), line.get_ydata()
    vmax, km = res.values["vmax"], res.values["km"]
    assert np.allclose(y, km / vmax * x + 1 / vmax, rtol=1e-9)  # 1/v = (KM/Vmax)(1/S) + 1/Vmax
    assert ax.get_xlabel() == "1/[S] (1/mM)" and ax.get_ylabel() == "1/v (1/(µM/s))"


@pytest.mark.parametrize("view", ["hanes_woolf", "eadie_hofstee"])
def test_other_diagnostic_views(view):
    ax = mgk.fit(_simulated("michaelis_menten"), "michaelis_menten").plot(view=view).axes[0]
    assert "diagnostic" in ax.get_title() and "(" in ax.get_xlabel() and "(" in ax.get_ylabel()


def test_global_fit_and_batch_plots():
    g = mgk.fit_shared(
        [str(DATA / "treated.csv"), str(DATA / "untreated.csv")], "michaelis_menten", shared=["km"]
    )
    fig = g.plot()
    assert len(fig.axes) == 4 and fig.axes[0].get_ylabel() == "rate (µM/min)"
    frame = {"curve": np.repeat(["a", "b", "c"], 8), "s_mM": np.tile([0.25, 0.5, 1, 2, 4, 8, 16, 32.0], 3)}
    frame["rate_uM_per_s"] = 10 * frame["s_mM"] / (2 + frame["s_mM"]) * (1 + 0.03 * np.cos(frame["s_mM"]))
    b = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    axes = b.plot().axes
    assert [a.get_ylabel() for a in axes] == ["vmax (µM/s)", "km (mM)"]


def _decorations(fig):
    """Every axes' box and the boxes of its tick labels, axis labels, title and legend (pixels)."""
    r = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        parts = [ax.xaxis.get_tightbbox(r), ax.yaxis.get_tightbbox(r)]
        parts += [ax.title.get_window_extent(r)] if ax.title.get_text() else []
        parts += [ax.get_legend().get_window_extent(r)] if ax.get_legend() else []
        out.append((ax.bbox, [b for b in parts if b is not None]))
    return out


def _check_layout(fig):
    fig.canvas.draw()  # the labels where matplotlib draws them
    decorations = _decorations(fig)
    page = fig.bbox
    for box, parts in decorations:
        for b in parts:  # inside the figure (1 px of rounding)
            assert b.x0 >= -1 and b.y0 >= -1 and b.x1 <= page.x1 + 1 and b.y1 <= page.y1 + 1
        for other, _ in decorations:  # clear of every other panel
            if other is not box:
                assert not any(b.overlaps(other) for b in parts)


def test_margins_keep_every_label_inside_the_figure_and_off_other_panels():
    g = mgk.fit_shared(
        [str(DATA / "treated.csv"), str(DATA / "untreated.csv")], "michaelis_menten", shared=["km"]
    )
    _check_layout(g.plot(log_x=True))  # 2 columns x (fit, residuals), a suptitle
    sim = _simulated("competitive")  # 3 inhibitor levels
    fits = [mgk.fit(sim, "competitive") for _ in range(3)]
    fig = figures.plot_fits(fits, ["a", "b", "c"], log_x=True)  # 9 series: the legend beside the axes
    assert fig.axes[0].get_legend().get_window_extent().x0 > fig.axes[0].bbox.x1
    _check_layout(fig)


def test_library_never_sets_the_backend():
    offenders = [p.name for p in SRC.rglob("*.py") if "matplotlib.use(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_saved_figures_are_byte_stable(tmp_path):
    res = mgk.fit(_simulated("michaelis_menten"), "michaelis_menten")
    for suffix in ("svg", "png", "pdf"):
        a = save_figure(res.plot(), tmp_path / f"a.{suffix}").read_bytes()
        b = save_figure(res.plot(), tmp_path / f"b.{suffix}").read_bytes()
        assert a == b, suffix
    from PIL import Image

    with Image.open(tmp_path / "a.png") as im:
        assert [round(d) for d in im.info["dpi"]] == [300, 300]
    svg = figure_svg(res.plot(), "f1")
    assert svg.startswith("<svg") and 'id="f1-' in svg and 'id="' not in svg.replace('id="f1-', "")


def test_png_has_the_pixels_matplotlib_draws(tmp_path):
    """The PNG is written by Pillow (RGB when opaque): the same pixels as matplotlib's own PNG."""
    import io

    from PIL import Image

    from mgkinetics.report.savefig import DPI, figure_bytes

    res = mgk.fit(_simulated("michaelis_menten"), "michaelis_menten")
    fig = res.plot()
    ours = Image.open(io.BytesIO(figure_bytes(fig, "png", close=False)))
    theirs = io.BytesIO()
    fig.savefig(theirs, format="png", dpi=DPI)
    theirs = Image.open(theirs).convert("RGBA")
    assert ours.mode == "RGB" and ours.size == theirs.size
    assert ours.convert("RGBA").tobytes() == theirs.tobytes()
    fig.patch.set_alpha(0.0)  # a transparent background keeps its alpha channel
    see_through = Image.open(io.BytesIO(figure_bytes(fig, "png")))
    assert see_through.mode == "RGBA" and see_through.getextrema()[3][0] < 255


def test_png_bytes_keeps_every_pixel_and_the_alpha_channel_only_when_needed():
    """png_bytes (unfiltered rows, zlib) read back by Pillow, an independent PNG decoder: the
    same pixels, RGB when all are opaque, RGBA when one is not; 300 dpi recorded."""
    import io

    from PIL import Image

    from mgkinetics.report.savefig import png_bytes

    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)  # no runs: every byte matters
    rgba[..., 3] = 255
    with Image.open(io.BytesIO(png_bytes(rgba))) as im:
        assert im.mode == "RGB" and im.size == (53, 37)
        assert np.array_equal(np.asarray(im), rgba[..., :3])
        assert [round(d) for d in im.info["dpi"]] == [300, 300]
    rgba[20, 11, 3] = 17  # one see-through pixel
    with Image.open(io.BytesIO(png_bytes(rgba))) as im:
        assert im.mode == "RGBA" and np.array_equal(np.asarray(im), rgba)


def test_cli_plot_options(tmp_path):
    runner = CliRunner()
    out = tmp_path / "fit.png"
    r = runner.invoke(
        cli, ["fit", str(DATA / "treated.csv"), "--law", "michaelis_menten", "--plot", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "cmp.svg"
    r = runner.invoke(
        cli,
        [
            "compare",
            str(DATA / "treated.csv"),
            str(DATA / "untreated.csv"),
            "--law",
            "michaelis_menten",
            "--reference",
            "untreated",
            "--plot",
            str(svg),
        ],
    )
    assert r.exit_code == 0, r.output
    assert b"<svg" in svg.read_bytes()
    r = runner.invoke(
        cli, ["speciate", "--total", "Mg=2mM", "--total", "ATP=1mM", "--plot", str(tmp_path / "sp.pdf")]
    )
    assert r.exit_code == 0 and (tmp_path / "sp.pdf").read_bytes()[:4] == b"%PDF"
    r = runner.invoke(
        cli,
        ["fit", str(DATA / "treated.csv"), "--law", "michaelis_menten", "--plot", str(tmp_path / "fit.txt")],
    )
    assert r.exit_code == 2 and ".png, .svg or .pdf" in r.output
    r = runner.invoke(
        cli,
        ["fit", str(DATA / "treated.csv"), "--law", "michaelis_menten", "--plot", str(DATA / "treated.csv")],
    )
    assert r.exit_code == 2 and not (tmp_path / "x").exists()


def test_every_series_of_a_figure_has_its_own_colour_and_each_fit_its_own_marker():
    """Four fits of three inhibitor levels each: 12 series, more than the 10-colour cycle (the AK
    grid's two variants of six AMP levels each are 12 too). No two curves, bands or data series
    share a colour; each fit's points share one marker, different from the other fits'."""
    from matplotlib.colors import to_hex

    res = mgk.fit(_simulated("competitive"), "competitive")
    fig = figures.plot_fits([res] * 4, ["a", "b", "c", "d"])
    top = fig.axes[0]
    curves = [ln for ln in top.get_lines() if ln.get_linestyle() == "-"]
    points = [ln for ln in top.get_lines() if ln.get_linestyle() == "None"]
    assert len(curves) == len(points) == 12
    colours = [to_hex(ln.get_color()) for ln in curves]
    assert len(set(colours)) == 12
    assert [to_hex(ln.get_color()) for ln in points] == colours
    bands = [
        to_hex(c.get_facecolor()[0], keep_alpha=False)
        for c in top.collections
        if isinstance(c, PolyCollection)
    ]
    assert bands == colours
    markers = [ln.get_marker() for ln in points]
    assert [markers[3 * i : 3 * i + 3] for i in range(4)] == [[m] * 3 for m in ("o", "s", "^", "D")]
    residual_colours = [
        to_hex(ln.get_color()) for ln in fig.axes[1].get_lines() if ln.get_linestyle() == "None"
    ]
    assert residual_colours == colours
