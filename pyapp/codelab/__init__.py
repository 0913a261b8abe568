"""Code it yourself (issue 19): the student re-writes an operation in numpy and the network
runs on it.  Plain Python (numpy), no ``js``: the page (:mod:`pyapp.ui.code`) and the tests
share it.

- :mod:`.source`: the real function's source (``inspect``, from the shipped files) and the
  starters built from it;
- :mod:`.exercises`: the exercises (ReLU, max-pool, loop-based and vectorised convolution,
  flatten, dense, softmax) and their hidden checks;
- :mod:`.runner`: the student's code in a fresh namespace, under a time limit, its errors as
  tracebacks numbered as in the editor;
- :mod:`.checker`: the student's output against the core's: equal, or the first differing
  position and what produced it, or the wrong shape / dtype in words;
- :mod:`.swap`: :class:`~.swap.StudentModel`, the network with the student's function in;
- :mod:`.lab`: a check on the current image, the hidden checks, the view of a position;
- :mod:`.link`: the ``?code=`` parameter.
"""
