"""A column that a law would read twice: as one of its inputs and as a speciation condition."""

from __future__ import annotations

from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.fitting.columns import INPUT_OPTIONS

__all__ = ["check_condition_columns"]

#: Condition -> (its name in a message, its CLI option, the column stem that holds it).
_CONDITION_WORDS = {"ionic_strength_M": ("ionic strength", "--ionic-strength", "ionic_strength")}


def check_condition_columns(ds, law, used: dict[str, str], sources: dict[str, str]) -> None:
    """Refuse a column bound to an input (``used``: input -> column) of a law that also reads it as
    a condition (``sources``: condition -> ``"column 'I_mM'"``, as
    :class:`mgkinetics.data.conditions.Conditions` has it): a header ``I_mM`` is ionic strength,
    and the inhibitor of a law with an inhibitor input when no other column is (:func:`resolve_input`).

    Raises
    ------
    DataFormatError
        One problem per such column, naming it, the input and the condition, and what to do.
    """
    problems = []
    for name, column in used.items():
        for condition, source in sources.items():
            if source != f"column '{column}'" and not source.startswith(f"column '{column}' ("):
                continue
            word, option, stem = _CONDITION_WORDS.get(condition, (condition, "--" + condition, condition))
            what = next(i for i in law.inputs if i.name == name).description or name
            unit = ds.units[column].label if ds.units.get(column) is not None else "mM"
            problems.append(
                Problem(
                    1,
                    column,
                    f"would be both the {what} of law '{law.name}' and the {word} of its speciation; "
                    f"rename the column: '{name}_{unit}' if it holds the {what} (then give the {word} "
                    f"with {option}, conditions= in Python, or a column '{stem}_{unit}'), or "
                    f"'{stem}_{unit}' if it holds the {word} (then name the {what} column with "
                    f"{INPUT_OPTIONS.get(name, f'--column {name}=COLUMN')})",
                )
            )
    if problems:
        raise DataFormatError(ds.source, problems)
