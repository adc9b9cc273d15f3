"""What a data set's design and signs leave undetermined, said as the reason of a single fit's status.

* `too_few_levels`: fewer distinct rows of the law's inputs than fitted parameters (replicates at
  one concentration): the Jacobian's rank is short whatever the rates, so ``not_identifiable``;
* `negative_rates`: a fit held at v = 0 because most rates are negative is not "no activity";
* `absent_input`: an input that is 0 in every row (no inhibitor) leaves the parameters in its unit
  (Ki) undetermined: not "Ki → ∞ beyond the data".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mgkinetics.fitting.problem import FitProblem

__all__ = ["too_few_levels", "negative_rates", "absent_input", "undetermined_by_design"]


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


def absent_input(problem: FitProblem, varying) -> str | None:
    """Why the fitted parameters in an input's unit (``ki`` for the inhibitor) are not determined
    when that input is 0 in every row, or None.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> law = SimpleNamespace(params=[SimpleNamespace(name="ki", unit="inhibitor")])
    >>> p = SimpleNamespace(law=law, inputs={"inhibitor": np.zeros(4)}, columns={"inhibitor": "i_uM"})
    >>> absent_input(p, ["ki"])[:45]
    'every row has i_uM = 0, so ki is not determin'
    """
    for name, values in problem.inputs.items():
        values = np.asarray(values, dtype=float)
        if np.ndim(values) != 1 or not values.size or np.any(values != 0):
            continue
        tied = [p.name for p in problem.law.params if p.unit == name and p.name in varying]
        if tied:
            column = problem.columns.get(name, name)
            return (
                f"every row has {column} = 0, so {', '.join(tied)} is not determined (the data hold no "
                f"{name}); add rows with {column} > 0, fix {tied[0]}, or fit a law without {name}"
            )
    return None


def undetermined_by_design(problem: FitProblem, varying) -> str | None:
    """The first of `too_few_levels` and `absent_input` that applies, or None."""
    return too_few_levels(problem, len(varying)) or absent_input(problem, varying)
