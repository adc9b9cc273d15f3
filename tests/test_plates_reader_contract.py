"""Every plate format module keeps the documented reader contract (data/plates/__init__.py):
``read(path, *, sheet=None) -> PlateRead`` with a numpydoc docstring, whether written by hand or made
by the spreadsheet driver (data/plates/sheet_reader.py)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from mgkinetics.data.plates import INSTRUMENTS

SPREADSHEET_FORMATS = ("multiskan_sky", "biotek_gen5", "tecan_magellan", "tecan_spark", "skanit")


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_read_has_the_documented_signature(name):
    module = importlib.import_module(f"mgkinetics.data.plates.{name}")
    signature = inspect.signature(module.read)
    assert list(signature.parameters) == ["path", "sheet"]
    assert signature.parameters["sheet"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["sheet"].default is None
    assert "PlateRead" in str(signature.return_annotation)
    assert module.read.__module__ == module.__name__


@pytest.mark.parametrize("name", SPREADSHEET_FORMATS)
def test_spreadsheet_readers_document_their_own_sheet_and_metadata(name):
    module = importlib.import_module(f"mgkinetics.data.plates.{name}")
    doc = inspect.getdoc(module.read)
    for section in ("Parameters\n----------", "Returns\n-------", "Raises\n------"):
        assert section in doc
    lines = doc.splitlines()
    sheet_text = lines[lines.index("sheet : str, optional") + 1]
    assert sheet_text.startswith("    ") and len(sheet_text.strip()) > 10
    assert lines[lines.index("DataFormatError") + 1].strip()


def test_the_five_spreadsheet_docstrings_differ_where_the_formats_do():
    docs = {
        name: inspect.getdoc(importlib.import_module(f"mgkinetics.data.plates.{name}").read)
        for name in SPREADSHEET_FORMATS
    }
    assert len(set(docs.values())) == len(SPREADSHEET_FORMATS)
    assert "text export" in docs["biotek_gen5"]
