"""Found by fuzz_cli --seed 13 (issue 12): a layout whose header gained 10^5 columns made the
delimiter search hand one 200,000-character line to the csv module as a single tab-separated field
('field larger than field limit'), exit 3 'internal error'. The search skips that delimiter; a
field beyond the limit under the chosen delimiter is a DataFormatError naming its line."""

from __future__ import annotations

import pytest

from mgkinetics.data.layout import read_layout
from mgkinetics.errors import DataFormatError


def test_a_layout_with_100000_header_columns_is_read_or_refused_never_a_csv_error(tmp_path):
    k = 100_000
    path = tmp_path / "layout.csv"
    path.write_text("well,role,mgatp_mM" + ",x" * k + "\nA1,sample,1" + ",1" * k + "\n", encoding="utf-8")
    try:
        layout = read_layout(path)
    except DataFormatError as exc:  # the repeated 'x' columns may be refused, with a place
        assert str(path) in str(exc)
    else:
        assert list(layout["well"]) == ["A1"]


def test_a_field_beyond_the_csv_limit_names_its_line(tmp_path):
    path = tmp_path / "layout.csv"
    path.write_text(
        "well,role,note\nA1,sample,ok\nA2,sample," + '"' + "y" * 200_000 + '"\n', encoding="utf-8"
    )
    with pytest.raises(DataFormatError, match="line 3: cannot read this line as a table row"):
        read_layout(path)
