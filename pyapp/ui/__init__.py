"""The PyScript layer: the only package that imports ``js`` / ``pyscript``.

``main`` is the page's entry point (``start()``); ``dom`` holds small DOM helpers;
``example`` (numpy + Pillow only, CPython-testable) loads and prepares the example image;
``input_column`` draws the input image's R, G, B channels.
"""
