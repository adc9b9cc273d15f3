"""Benchmark traces -> initial rates -> Michaelis–Menten fits on a simulated 384-well plate.

Run:  python benchmarks/bench_rates.py [--reads 60] [--seed 0] [--repeats 3]

The plate is mgkinetics.rates.simulate_coupled_plate(wells=384): 360 sample wells (WT and D84A
MgATP series), 24 blanks, ``--reads`` reads each. Timed after all imports: the first call (cold:
lazy imports and caches inside the library) and the median of ``--repeats`` further calls of

* ``initial_rates(method="auto")`` (windowed line and batched integrated-MM fit, per well) and then
  ``mgk.fit(..., "michaelis_menten_kcat", group="variant")`` on its table;
* ``initial_rates(method="linear")``;
* the baseline: a naive loop of ``scipy.stats.linregress`` over each sample well's full trace (no
  window, no blank, no SE propagation), in the same run.

Goal: the auto path (rates + MM fits) <= 2 s. The ratio is our time over the naive loop's time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def timed(fn, repeats: int) -> tuple[float, float]:
    t = time.perf_counter()
    fn()
    cold = time.perf_counter() - t
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return cold, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from scipy.stats import linregress

    import mgkinetics as mgk
    from mgkinetics.rates import initial_rates, simulate_coupled_plate

    traces, layout, truth = simulate_coupled_plate(wells=384, seed=args.seed, n_reads=args.reads)
    sample_wells = layout.loc[layout.role == "sample", "well"].tolist()

    def auto_and_fit():
        table = initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM")
        fits = mgk.fit(
            table.frame,
            "michaelis_menten_kcat",
            x="mgatp_mM",
            enzyme="enzyme_nM",
            y="rate_uM_per_s",
            group="variant",
            weights="sd:rate_stderr_uM_per_s",
        )
        return table, fits

    def linear_only():
        return initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM", method="linear")

    def naive():
        by_well = {w: g for w, g in traces.groupby("well")}
        return [
            linregress(by_well[w].time_s.to_numpy(), by_well[w].signal.to_numpy()).slope for w in sample_wells
        ]

    cold_auto, auto = timed(auto_and_fit, args.repeats)
    cold_lin, lin = timed(linear_only, args.repeats)
    cold_naive, base = timed(naive, args.repeats)
    table, fits = auto_and_fit()
    merged = table.frame.merge(truth[["well", "rate_uM_per_s"]], on="well", suffixes=("", "_true"))
    rel = merged.rate_uM_per_s / merged.rate_uM_per_s_true - 1
    z = (merged.rate_uM_per_s - merged.rate_uM_per_s_true) / merged.rate_stderr_uM_per_s

    print(f"384-well plate, {len(sample_wells)} sample wells x {args.reads} reads (seed {args.seed})")
    print(f"{'path':44s} {'cold s':>8s} {'median s':>9s} {'x naive':>8s}")
    print(
        f"{'initial_rates(auto) + MM fits (goal <= 2 s)':44s} {cold_auto:8.3f} {auto:9.3f} {auto / base:8.1f}"
    )
    print(f"{'initial_rates(linear)':44s} {cold_lin:8.3f} {lin:9.3f} {lin / base:8.1f}")
    print(f"{'naive linregress loop (full trace)':44s} {cold_naive:8.3f} {base:9.3f} {1.0:8.1f}")
    print(
        f"rates: median |relative error| {100 * np.median(np.abs(rel)):.2f} %, "
        f"+-2 SE coverage {100 * np.mean(np.abs(z) <= 2):.1f} %, "
        f"methods {merged.method.value_counts().to_dict()}"
    )
    for res in fits:
        p = res.parameters
        variant = res.group["variant"]
        t = truth[truth.variant == variant].iloc[0]
        print(
            f"{variant:5s} kcat {p['kcat'].value:.4g} [{p['kcat'].ci_low:.4g}, {p['kcat'].ci_high:.4g}] 1/s "
            f"(truth {t.kcat_per_s:g});  "
            f"KM {p['km'].value:.4g} [{p['km'].ci_low:.4g}, {p['km'].ci_high:.4g}] mM "
            f"(truth {t.km_mM:g})"
        )


if __name__ == "__main__":
    main()
