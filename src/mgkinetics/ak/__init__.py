"""The adenylate-kinase worked example: the designs of the built-in datasets and the WT-versus-D84A report."""

__all__: list[str] = []
