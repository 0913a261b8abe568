"""Settings of the playground, the ranges of its controls, and the output-size formula.

Every size is along one axis: the playground's input, kernel, padding, stride and dilation are
square / symmetric, so rows and columns behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pyapp.cnn import ops
from pyapp.i18n import N_

INPUT_SIZE_RANGE = (3, 16)
DILATION_RANGE = (1, 3)
CONTROL_NAMES: tuple[str, ...] = ("input_size", "padding", "kernel_size", "stride", "dilation")
# marked for the catalogue; the view translates them where shown (tr(rng.label))
CONTROL_LABELS: dict[str, str] = {
    "input_size": N_("Input size"),
    "padding": N_("Padding"),
    "kernel_size": N_("Kernel size"),
    "stride": N_("Stride"),
    "dilation": N_("Dilation"),
}


@dataclass(frozen=True)
class Settings:
    """The five hyperparameters: input size ``n``, padding ``p``, kernel size ``k``,
    stride ``s`` and dilation ``d``."""

    input_size: int = 5
    padding: int = 0
    kernel_size: int = 3
    stride: int = 1
    dilation: int = 1

    @property
    def padded_size(self) -> int:
        """``n + 2p``: the side of the zero-padded input."""
        return self.input_size + 2 * self.padding

    @property
    def window_span(self) -> int:
        """``d(k - 1) + 1``: how many cells one (dilated) kernel window spans."""
        return self.dilation * (self.kernel_size - 1) + 1


@dataclass(frozen=True)
class ControlRange:
    """What a slider / number box accepts for the current settings."""

    name: str
    label: str
    minimum: int
    maximum: int


def control_ranges(settings: Settings) -> dict[str, ControlRange]:
    """The range of every control, given the others: input size 3..16, padding 0..k-1,
    kernel size 1..n, stride 1..n, dilation 1..3."""
    n, k = settings.input_size, settings.kernel_size
    bounds = {
        "input_size": INPUT_SIZE_RANGE,
        "padding": (0, max(k - 1, 0)),
        "kernel_size": (1, n),
        "stride": (1, n),
        "dilation": DILATION_RANGE,
    }
    return {
        name: ControlRange(name, CONTROL_LABELS[name], lo, hi)
        for name, (lo, hi) in bounds.items()
    }


def _clip(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, value))


def clamp_settings(settings: Settings) -> Settings:
    """Bring every value into its range, in dependency order (n, then k, then p, s, d)."""
    n = _clip(settings.input_size, *INPUT_SIZE_RANGE)
    k = _clip(settings.kernel_size, 1, n)
    p = _clip(settings.padding, 0, k - 1)
    s = _clip(settings.stride, 1, n)
    d = _clip(settings.dilation, *DILATION_RANGE)
    return Settings(input_size=n, padding=p, kernel_size=k, stride=s, dilation=d)


def parse_control_value(text: str | int | float) -> int | None:
    """A control's typed value as an int, or ``None`` when it is not a whole number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")) or number != int(number):
        return None
    return int(number)


def apply_change(settings: Settings, name: str, value: str | int | float) -> Settings:
    """The settings after the user set control ``name`` to ``value`` (a slider position or
    the text of a number box), clamped into range; an unreadable value changes nothing."""
    if name not in CONTROL_NAMES:
        raise KeyError(f"unknown control {name!r}")
    parsed = parse_control_value(value)
    if parsed is None:
        return settings
    return clamp_settings(replace(settings, **{name: parsed}))


def output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """``floor((n + 2p - d(k - 1) - 1) / s) + 1``; a value below 1 means the kernel does not
    fit in the padded input (the core's :func:`~pyapp.cnn.ops.conv_output_size`)."""
    return ops.conv_output_size(n, k, s, 2 * p, d)


@dataclass(frozen=True)
class OutputSizeWorking:
    """The output-size formula with this setting's numbers filled in, step by step."""

    n: int
    p: int
    k: int
    s: int
    d: int
    numerator: int
    """``n + 2p - d(k - 1) - 1``"""
    quotient: float
    """``numerator / s``"""
    floored: int
    """``floor(numerator / s)``"""
    remainder: int
    """``numerator mod s``: cells left over after the last whole stride"""
    result: int
    """``floored + 1`` (below 1: the kernel does not fit)"""


def output_size_working(settings: Settings) -> OutputSizeWorking:
    """Fill in the output-size formula for ``settings``."""
    n, p, k = settings.input_size, settings.padding, settings.kernel_size
    s, d = settings.stride, settings.dilation
    numerator = n + 2 * p - d * (k - 1) - 1
    floored = numerator // s
    return OutputSizeWorking(
        n=n, p=p, k=k, s=s, d=d,
        numerator=numerator,
        quotient=numerator / s,
        floored=floored,
        remainder=numerator % s if numerator >= 0 else 0,
        result=floored + 1,
    )


ARROW_STEPS: dict[str, tuple[int, int]] = {
    "ArrowUp": (-1, 0), "ArrowDown": (1, 0), "ArrowLeft": (0, -1), "ArrowRight": (0, 1),
}


def neighbour(cell: tuple[int, int], key: str, side: int) -> tuple[int, int]:
    """The output cell an arrow key moves to from ``cell`` in a ``side x side`` grid
    (staying put at the edges; Home / End go to the first / last cell)."""
    if key == "Home":
        return (0, 0)
    if key == "End":
        return (side - 1, side - 1)
    dr, dc = ARROW_STEPS.get(key, (0, 0))
    return (max(0, min(side - 1, cell[0] + dr)), max(0, min(side - 1, cell[1] + dc)))
