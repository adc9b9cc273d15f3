"""Model selection: rank rate laws by AICc, test nested pairs with the extra-sum-of-squares F test.

Every candidate is fitted to the same rows. A fit that fails a reality check is *not ranked*, and
the reason is given: it did not converge, a parameter sits at a bound, or its covariance is
singular (the data do not determine every parameter). The others are ranked by AICc (Burnham &
Anderson 2002) on R's scale (:func:`mgkinetics.fitting.numerics.information_criteria`: Gaussian
log-likelihood with its constant and the weights' term, df = p + 1 when σ is estimated), with Akaike
weights wᵢ = exp(−Δᵢ/2)/Σ exp(−Δⱼ/2). For declared nested pairs (:data:`NESTING`) the F test
F = ((RSS_simple − RSS_complex)/(df_simple − df_complex)) / (RSS_complex/df_complex) says whether
the extra parameter is justified (Motulsky & Christopoulos 2004, ch. 22).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mgkinetics.errors import warning_code
from mgkinetics.fitting.numerics import f_test
from mgkinetics.fitting.options import DataOptions, check_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["NESTING", "Candidate", "Selection", "select_model", "f_test"]

#: (simpler, more complex) -> how the complex law reduces to the simpler one.
NESTING: dict[tuple[str, str], str] = {
    ("michaelis_menten", "substrate_inhibition"): "ksi -> infinity",
    ("michaelis_menten", "hill"): "n = 1",
    ("competitive", "mixed"): "alpha -> infinity",
    ("uncompetitive", "mixed"): "Ki -> infinity with alpha*Ki fixed",
    ("noncompetitive", "mixed"): "alpha = 1",
}


@dataclass(frozen=True)
class Candidate:
    """One law's fit in a selection: its AICc, weight and whether it was ranked (and why not)."""

    law: str
    fit: Any
    aicc: float
    ranked: bool
    reasons: tuple[str, ...] = ()
    delta_aicc: float | None = None
    weight: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        st = self.fit.statistics if self.fit is not None else None
        return {
            "law": self.law,
            "ranked": self.ranked,
            "reasons_not_ranked": list(self.reasons),
            "loglik": _num(st.loglik) if st else None,
            "aic": _num(st.aic) if st else None,
            "aicc": _num(self.aicc),
            "bic": _num(st.bic) if st else None,
            "delta_aicc": _num(self.delta_aicc),
            "akaike_weight": _num(self.weight),
            "rss": _num(st.rss) if st else None,
            "dof": st.dof if st else None,
            "parameters": (
                {k: e.value for k, e in self.fit.parameters.items()} if self.fit is not None else {}
            ),
        }


def _num(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)


@dataclass(frozen=True)
class Selection:
    """Candidates best first (ranked ones by AICc, then the unranked) and nested F tests."""

    candidates: tuple[Candidate, ...]
    f_tests: tuple[dict, ...] = field(default=())

    @property
    def best(self) -> Candidate | None:
        """The ranked candidate with the lowest AICc, or None when none could be ranked."""
        return next((c for c in self.candidates if c.ranked), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `mgkinetics select --format json`."""
        return {
            "best": self.best.law if self.best else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "f_tests": [dict(t) for t in self.f_tests],
        }

    def to_text(self) -> str:
        """A ranking table, the F tests and the reasons for unranked fits."""
        lines = ["model selection (AICc, Akaike weights; extra-sum-of-squares F tests for nested laws)"]
        rows = [["law", "AICc", "dAICc", "weight", "logLik", "AIC", "BIC", "RSS", "dof", "ranked"]]
        for c in self.candidates:
            st = c.fit.statistics if c.fit is not None else None
            rows.append(
                [
                    c.law,
                    _fmt(c.aicc),
                    _fmt(c.delta_aicc) if c.ranked else "not ranked",
                    _fmt(c.weight) if c.ranked else "-",
                    _fmt(st.loglik) if st else "-",
                    _fmt(st.aic) if st else "-",
                    _fmt(st.bic) if st else "-",
                    _fmt(st.rss) if st else "-",
                    str(st.dof) if st else "-",
                    "yes" if c.ranked else f"no: {_why_not(c)}",
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines += [
            "  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip() for r in rows
        ]
        for t in self.f_tests:
            if t["F"] is None:
                lines.append(f"  F test {t['simple']} vs {t['complex']}: not computed ({t.get('why', '')})")
                continue
            verdict = "prefer" + (f" {t['complex']}" if t["p_value"] < 0.05 else f" {t['simple']}")
            lines.append(
                f"  F test {t['simple']} ({t['nesting']}) vs {t['complex']}: F({t['df'][0]}, "
                f"{t['df'][1]}) = {_fmt(t['F'])}, p = {_fmt(t['p_value'])} -> {verdict}"
            )
        for c in self.candidates:
            for r in c.reasons:
                lines.append(f"  {c.law} not ranked: {r}")
        lines.append(f"  best: {self.best.law if self.best else 'none (no fit passed the reality checks)'}")
        return "\n".join(lines) + "\n"


def _why_not(c: Candidate) -> str:
    """The short form of why a candidate is not ranked (its status in words; the reasons follow)."""
    if c.fit is None:
        return "not fitted"
    words = {
        "failed": "did not converge",
        "at_bound": "a parameter at a bound",
        "not_bounded": "not bounded by the data",
        "not_identifiable": "not identifiable",
    }
    if any(warning_code(w) == "no_activity" for w in c.fit.warnings):
        return "no activity detected"
    return words.get(c.fit.status, "singular covariance")


def _fmt(x) -> str:
    return "-" if x is None or not math.isfinite(float(x)) else f"{float(x):.5g}"


def _reality(fit) -> list[str]:
    """Why a fit cannot be ranked, from its status and its warnings' codes (never their text)."""
    reasons = []
    if fit.status == "failed":
        reasons.append(f"the fit did not converge ({fit.message})")
    elif fit.status in ("not_identifiable", "not_bounded"):
        reasons.append(f"{fit.status.replace('_', ' ')}: {fit.status_reason}")
    if fit.covariance is None and fit.covariance_names and fit.status != "not_identifiable":
        reasons.append("singular covariance: the data do not determine every parameter")
    if not any(warning_code(w) == "no_activity" for w in fit.warnings):  # else folded into that verdict
        reasons += [str(w) for w in fit.warnings if warning_code(w) == "at_bound"]
    return reasons


def select_model(
    data,
    laws: Sequence[str],
    **options: Unpack[DataOptions],
) -> Selection:
    """Fit each law to the same data and rank them.

    ``init`` and ``fix`` entries are given to each law that has such a parameter; ``conditions``
    and ``pool`` are as for :func:`mgkinetics.fit`.

    Raises
    ------
    MgKineticsError
        When the fit of any law cannot start (an unreadable table, a missing column, too few
        points for its parameters), as :func:`mgkinetics.fit` would: the error of the file when
        every law fails alike, else a FitError naming each failing law and its reason. A fit that
        starts and does not converge is not an error: it is listed as not ranked.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0])
    >>> v = 10 * s / (2 + s) * (1 + 0.03 * np.array([1, -1, 1, -1, -1, 1, -1, 1]))
    >>> sel = select_model({"s_mM": s, "rate_uM_per_s": v}, ["michaelis_menten", "hill"])
    >>> sel.best.law
    'michaelis_menten'
    """
    from mgkinetics.errors import MgKineticsError
    from mgkinetics.fitting.single import fit as fit_law
    from mgkinetics.laws.registry import get_law

    check_options(options, "select_model")
    cands, cannot_start = [], []
    for name in laws:
        law = get_law(name)
        mine = {k: v for k, v in (options.get("init") or {}).items() if k in law.param_names}
        held = {k: v for k, v in (options.get("fix") or {}).items() if k in law.param_names}
        try:
            res = fit_law(data, law, **{**options, "init": mine, "fix": held})
        except MgKineticsError as exc:  # the fit cannot start: an input problem, reported after the loop
            cannot_start.append((law.name, exc))
            continue
        reasons = _reality(res)
        cands.append(Candidate(law.name, res, res.statistics.aicc, not reasons, tuple(reasons)))
    if cannot_start:
        raise _cannot_start(cannot_start, every_law=len(cannot_start) == len(laws))
    ranked = [c for c in cands if c.ranked and math.isfinite(c.aicc)]
    ns = {c.fit.statistics.n for c in ranked}
    if len(ns) > 1:  # AICc compares fits of the same rows only
        raise _different_rows(ns)
    best = min((c.aicc for c in ranked), default=math.nan)
    total = sum(math.exp(-(c.aicc - best) / 2) for c in ranked)
    out = []
    for c in sorted(ranked, key=lambda c: c.aicc):
        d = c.aicc - best
        out.append(Candidate(c.law, c.fit, c.aicc, True, (), d, math.exp(-d / 2) / total))
    out += [c for c in cands if c not in ranked]
    tests = []
    by_name = {c.law: c for c in cands}
    for (simple, complex_), how in NESTING.items():
        if simple in by_name and complex_ in by_name:
            a, b = by_name[simple], by_name[complex_]
            t = {"simple": simple, "complex": complex_, "nesting": how}
            if not (a.ranked and b.ranked):
                t.update(F=None, p_value=None, df=None, why="a fit failed its reality checks")
            else:
                t.update(
                    f_test(
                        a.fit.statistics.rss, a.fit.statistics.dof, b.fit.statistics.rss, b.fit.statistics.dof
                    )
                )
            tests.append(t)
    return Selection(tuple(out), tuple(tests))


def _different_rows(ns) -> Exception:
    from mgkinetics.errors import FitError

    return FitError(f"the laws used different numbers of rows ({sorted(ns)}); AICc needs the same rows")


def _cannot_start(failures: list[tuple[str, Exception]], *, every_law: bool) -> Exception:
    """One error for the laws whose fit cannot start (an input problem, as `fit` reports it).

    When every law fails with the same message (a problem of the file, not of a law) that error
    is raised as it is; otherwise a FitError lists each law with its reason.
    """
    from mgkinetics.errors import FitError

    messages = {str(exc) for _, exc in failures}
    if every_law and len(messages) == 1:
        return failures[0][1]
    n = len(failures)
    head = f"{n} law{'s' if n != 1 else ''} cannot be fitted to these data"
    lines = [head + " (fix the input, or leave the law out):"]
    for law, exc in failures:
        lines.append(f"law '{law}': " + str(exc).replace("\n", "\n  "))
    return FitError("\n  ".join(lines))
