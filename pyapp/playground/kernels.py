"""The playground's kernels: classic hand-made ones (edge, blur, sharpen) at any size, and a
real kernel of the network, shown at the chosen size with a note saying how."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyapp.i18n import N_, tr

CLASSIC_KERNELS: tuple[str, ...] = ("edge", "blur", "sharpen")
# what each classic is called (marked; translated where shown)
CLASSIC_LABELS: dict[str, str] = {"edge": N_("Edge (Laplacian)"), "blur": N_("Blur (box mean)"),
                                  "sharpen": N_("Sharpen")}


@dataclass(frozen=True)
class Kernel:
    """A ``(k, k)`` kernel, what it is, and (if it was adapted to the size) how."""

    key: str
    label: str
    matrix: np.ndarray
    note: str = ""

    @property
    def is_integer(self) -> bool:
        """True when every weight is a whole number (hand-computable)."""
        return bool(np.all(self.matrix == np.round(self.matrix)))


def _centre(k: int) -> int:
    return (k - 1) // 2


def classic_kernel(name: str, k: int) -> Kernel:
    """A classic ``k x k`` kernel.

    * ``edge``: every weight -1 except the centre, ``k*k - 1`` (a Laplacian-style edge
      detector; its weights sum to 0, so flat regions give 0);
    * ``blur``: the box blur, every weight ``1 / k^2`` (the window's mean);
    * ``sharpen``: -1 along the centre row and column, centre ``1 + (number of -1s)`` (the
      weights sum to 1, so flat regions keep their value).

    For even ``k`` the "centre" is the cell just above and left of the middle.
    """
    if k < 1:
        raise ValueError(f"kernel size must be at least 1, got {k}")
    c = _centre(k)
    if name == "edge":
        m = -np.ones((k, k))
        m[c, c] = k * k - 1
        return Kernel("edge", tr(CLASSIC_LABELS["edge"]), m,
                      "" if k > 1 else tr("A 1\u00d71 edge kernel is 0: it finds no edges."))
    if name == "blur":
        return Kernel("blur", tr(CLASSIC_LABELS["blur"]), np.full((k, k), 1.0 / (k * k)))
    if name == "sharpen":
        m = np.zeros((k, k))
        m[c, :] = -1.0
        m[:, c] = -1.0
        m[c, c] = 0.0
        m[c, c] = 1.0 - m.sum()
        return Kernel("sharpen", tr(CLASSIC_LABELS["sharpen"]), m)
    raise ValueError(f"unknown classic kernel {name!r}: choose one of {CLASSIC_KERNELS}")


def network_kernel(
    weights: np.ndarray, layer: str, in_channel: int, out_channel: int, k: int
) -> Kernel:
    """The network's kernel ``weights[:, :, in_channel, out_channel]`` (HWIO) as ``k x k``.

    At the network's own size it is shown as is.  A smaller ``k`` keeps the kernel's centre
    ``k x k`` block; a larger one puts the kernel in the middle of zeros.  Either way the
    note says so: the values are the network's, only the frame changes.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"a conv kernel is (kh, kw, in, out), got shape {w.shape}")
    base = w[:, :, in_channel, out_channel]
    kh, kw = base.shape
    label = tr("{layer}: filter {o}, input channel {c}", layer=layer, o=out_channel + 1,
               c=in_channel + 1)
    if (kh, kw) == (k, k):
        return Kernel("network", label, base.copy())
    m = np.zeros((k, k))
    # place the centres on each other, copy the overlap
    src_r0, dst_r0 = max(0, _centre(kh) - _centre(k)), max(0, _centre(k) - _centre(kh))
    src_c0, dst_c0 = max(0, _centre(kw) - _centre(k)), max(0, _centre(k) - _centre(kw))
    rows = min(kh - src_r0, k - dst_r0)
    cols = min(kw - src_c0, k - dst_c0)
    m[dst_r0:dst_r0 + rows, dst_c0:dst_c0 + cols] = base[src_r0:src_r0 + rows,
                                                         src_c0:src_c0 + cols]
    own, shown = f"{kh}\u00d7{kw}", f"{k}\u00d7{k}"
    if k < kh:
        note = tr("The network's kernel is {own}; its centre {shown} weights are shown.",
                  own=own, shown=shown)
    else:
        note = tr("The network's kernel is {own}; it sits in the middle of a {shown} frame "
                  "of zeros.", own=own, shown=shown)
    return Kernel("network", label, m, note)
