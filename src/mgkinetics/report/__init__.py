"""Output for people: deterministic text, JSON and CSV of results, and figures."""

__all__: list[str] = []
