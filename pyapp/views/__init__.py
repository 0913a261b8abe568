"""View models of the layer detail views (CPython-testable; never imports ``js``).

Each view model is built from the model, the activations of one forward pass and the view's
target, and answers: how many animation positions there are, and for position ``i`` the frame
to draw (every number formatted from the core's explanation records, every rectangle as CSS
percentages, the caption and the accessible text).  ``pyapp.ui.detail`` only draws frames.
"""
