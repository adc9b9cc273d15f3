"""Built-in adenylate-kinase datasets of mgkinetics (SIMULATED data; see README.md).

Installed as the package ``mgkinetics_datasets``; read them with :mod:`mgkinetics.data.builtin`.
"""
