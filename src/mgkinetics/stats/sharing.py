"""Is a parameter the same in two variants? Shared-versus-separate fits: F test and ΔAICc."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mgkinetics.fitting.globalfit import GlobalFitResult
from mgkinetics.fitting.results import FitResult, Statistics

__all__ = ["SharingTest", "nan_to_none", "pooled_statistics", "sharing_test"]


@dataclass(frozen=True)
class SharingTest:
    """Is one parameter the same in reference and variant? Shared vs separate fits."""

    parameter: str
    variant: str
    f: float
    p: float
    df_num: int
    df_den: int
    delta_aicc: float
    shared_value: float | None
    preferred: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "parameter": self.parameter,
            "variant": self.variant,
            "f": nan_to_none(self.f),
            "p": nan_to_none(self.p),
            "df": [self.df_num, self.df_den],
            "delta_aicc": nan_to_none(self.delta_aicc),
            "shared_value": self.shared_value,
            "preferred": self.preferred,
        }


def nan_to_none(x):
    """A finite float, or None for None, NaN and inf (JSON has no NaN)."""
    return None if x is None or not math.isfinite(x) else float(x)


def pooled_statistics(a: FitResult, b: FitResult) -> Statistics:
    """The separate-parameters model of two data sets, from their own fits: nothing is shared, so
    the joint least-squares problem splits and its RSS, n and parameter count are the sums (no
    refit needed). AICc/BIC are recomputed for the pooled n, as the shared model's are."""

    n = a.statistics.n + b.statistics.n
    k = a.statistics.n_params + b.statistics.n_params
    rss = a.statistics.rss + b.statistics.rss
    log_w = a.statistics.log_weights + b.statistics.log_weights
    return Statistics.of_fit(n, k, rss, r2=math.nan, scale_covar=a.scale_covar, log_weights=log_w)


def sharing_test(
    name: str, variant: str, separate: Statistics, joint: GlobalFitResult, *, undetermined: str = ""
) -> SharingTest:
    """Extra-sum-of-squares F test and ΔAICc (shared minus separate; negative favours sharing)."""
    from scipy import stats

    s1, s2 = separate, joint.statistics
    df_num = s2.dof - s1.dof
    if df_num > 0 and s1.dof > 0 and s1.rss > 0:
        f = ((s2.rss - s1.rss) / df_num) / (s1.rss / s1.dof)
        p = float(stats.f.sf(f, df_num, s1.dof))
    else:
        f, p = math.nan, math.nan
    delta = s2.aicc - s1.aicc
    preferred = "shared" if (math.isfinite(p) and p >= 0.05) else "separate"
    if preferred == "shared" and undetermined:
        # a test that cannot reject sharing proves nothing when a fit is not determined (a dead
        # variant fits any vmax with KM -> infinity): say so instead of calling the parameter shared
        preferred = f"undetermined ({undetermined})"
    shared_value = joint.parameters[name].value if name in joint.parameters else None
    return SharingTest(
        name, variant, float(f), float(p), int(df_num), int(s1.dof), float(delta), shared_value, preferred
    )
