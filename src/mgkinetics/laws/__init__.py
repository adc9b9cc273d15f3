"""Rate laws: pure-math functions, their declarations, starting-value rules, user expressions."""

__all__: list[str] = []
