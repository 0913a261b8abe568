"""The hyperparameter playground's maths: geometry, validity, inputs, kernels, the per-cell
windows and their dot products, and the HTML the page shows for them.

Plain CPython (numpy + Pillow); it never imports ``js`` or ``pyscript``.  The page
(``pyapp/ui/playground.py``) only puts what these functions return into the DOM.
"""
