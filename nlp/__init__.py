"""sle-abstract: screen clinical notes against the Descartes-08 SLE trial criteria."""

__version__ = "0.1.0"
