"""The PyScript layer: the only package that imports ``js`` / ``pyscript``.

``main`` is the page's entry point (``start()``); ``app`` loads the model and the gallery and
runs the overview (``overview``, ``imageinput``, ``state``); ``detail`` holds the layer detail
views, ``playground`` the hyperparameter playground; ``errors`` the error boundary; ``dom``
small DOM helpers.
"""
