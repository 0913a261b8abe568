"""The numpy CNN core: operations, the sequential model, explanations, preprocessing, formats.

Runs unchanged under CPython and inside Pyodide; it never imports ``js`` or ``pyscript``.
"""
