"""What a data set's design and signs leave undetermined, said as the reason of a single fit's status.

* `too_few_levels`: fewer distinct rows of the law's inputs than fitted parameters (replicates at
  one concentration): the Jacobian's rank is short whatever the rates, so ``not_identifiable``;
* `negative_rates`: a fit held at v = 0 because most rates are negative is not "no activity".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mgkinetics.fitting.problem import FitProblem

__all__ = ["too_few_levels", "negative_rates"]


def negative_rates(problem: FitProblem) -> str | None:
    """Why a fit held at v = 0 is so when most rates are negative and their mean is below 0 beyond
    its 95 % interval (a falling signal's slopes, or rates of disappearance), or None: "no
    activity" would be the wrong reason. Noise around 0 (a dead enzyme) gives None.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> falling = SimpleNamespace(rate=np.array([-1.0, -2.0, -1.5, -1.2, 0.1]), rate_unit="uM/s")
    >>> negative_rates(falling)[:46]
    '4 of 5 rates are negative (median -1.2 uM/s): '
    >>> negative_rates(SimpleNamespace(rate=np.array([-0.02, 0.01, -0.01, 0.03]), rate_unit="uM/s"))
    """
    from scipy.stats import t

    rate = np.asarray(problem.rate, dtype=float)
    if rate.size < 2:
        return None
    median, mean = float(np.median(rate)), float(np.mean(rate))
    upper = mean + t.ppf(0.975, rate.size - 1) * float(np.std(rate, ddof=1)) / np.sqrt(rate.size)
    if not (median < 0 and upper < 0):  # noise around 0 (a dead enzyme) is not "negative"
        return None
    return (
        f"{int((rate < 0).sum())} of {rate.size} rates are negative (median {median:g} "
        f"{problem.rate_unit}): this law's rates are >= 0, so its best fit is v = 0; if they are "
        "rates of disappearance or slopes of a falling signal, give them as positive numbers"
    )


def too_few_levels(problem: FitProblem, k: int) -> str | None:
    """Why ``k`` fitted parameters are not identifiable from ``problem``'s design, or None.

    With fewer distinct rows of the law's inputs than fitted parameters, the Jacobian has fewer
    distinct rows than columns, so its rank is short whatever the rates: replicates at one
    concentration determine the rate there, not a curve.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> one = SimpleNamespace(inputs={"substrate": np.array([2.0, 2.0, 2.0])},
    ...                       input_units={"substrate": "mM"}, columns={"substrate": "s_mM"})
    >>> too_few_levels(one, 2)[:60]
    'every row has the same s_mM (2 mM): 2 fitted parameters need'
    """
    names = [name for name, values in problem.inputs.items() if np.ndim(values) == 1]
    if k < 2 or not names:
        return None
    rows = np.column_stack([np.asarray(problem.inputs[n], dtype=float) for n in names])
    levels = len(np.unique(rows, axis=0))
    if levels >= k:
        return None
    shown = ", ".join(problem.columns.get(n, n) for n in names)
    if levels == 1:
        values = ", ".join(
            f"{rows[0, j]:g} {problem.input_units.get(n, '')}".strip() for j, n in enumerate(names)
        )
        found = f"every row has the same {shown} ({values})"
    else:
        found = f"the rows hold only {levels} different values of {shown}"
    return (
        f"{found}: {k} fitted parameters need at least {k} different ones, so only the rate "
        f"{'there' if levels == 1 else 'at those levels'} is determined, not the curve; measure at "
        "more concentrations"
    )
