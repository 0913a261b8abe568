"""A lesson in the page: guided tours read from data files (``www/tours/*.json``).

* :mod:`.data`: the tour file format, parsed and validated within budgets (plain errors);
* :mod:`.questions`: predict-then-reveal: the revealed value computed by the core, the verdict;
* :mod:`.state`: what a step puts on screen, applied through the :class:`~pyapp.session.Session`'s
  own methods, and where the step points;
* :mod:`.kiosk`: the ``?kiosk=1`` options.

Plain Python (no ``js``): the page (``pyapp/ui/tour.py``, ``pyapp/ui/kiosk.py``) and the tests
share it.
"""

from pyapp.tour.data import Ask, Step, StepState, Tour, TourError, parse_tour

__all__ = ["Ask", "Step", "StepState", "Tour", "TourError", "parse_tour"]
