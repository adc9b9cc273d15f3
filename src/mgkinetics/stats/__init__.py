"""Statistics of fits: intervals, bands, diagnostics, model selection, variant comparison."""

__all__: list[str] = []
