"""CNN Explainer in Python: the numpy CNN core, its explanations, and the PyScript UI layer."""

__version__ = "0.1.0"
