"""What the user picked (input source, kernel, whole-number seed) turned into a result.

The page keeps one :class:`Choices` and calls :func:`evaluate` after every change."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compute import PlaygroundResult, compute
from .geometry import Settings
from .inputs import image_patch, integer_matrix
from .kernels import CLASSIC_KERNELS, Kernel, classic_kernel, network_kernel


@dataclass(frozen=True)
class NetworkKernels:
    """A conv layer's kernels, HWIO ``(kh, kw, C_in, C_out)``, and the layer's name."""

    layer: str
    weights: np.ndarray

    @property
    def filters(self) -> int:
        """How many output channels (filters) the layer has."""
        return int(self.weights.shape[3])


def first_conv_kernels(model: object) -> NetworkKernels | None:
    """The first conv2d layer's kernels of a :class:`pyapp.cnn.model.Model` (or ``None``)."""
    for layer in getattr(model, "layers", []):
        kind = getattr(layer, "kind", None)
        if getattr(kind, "role", None) == "conv" and "kernel" in layer.weights:
            return NetworkKernels(layer.name, np.asarray(layer.weights["kernel"]))
    return None


@dataclass(frozen=True)
class Choices:
    """``source``: ``"image-<channel>"`` or ``"integers"``; ``kernel``: ``"network-<filter>"``
    or a classic's name; ``seed``: which whole-number matrix."""

    source: str = "integers"
    kernel: str = "edge"
    seed: int = 0


def default_choices(has_image: bool, network: NetworkKernels | None) -> Choices:
    """Start with the real thing when there is one: the image's red channel, filter 1."""
    return Choices(source="image-0" if has_image else "integers",
                   kernel="network-0" if network is not None else "edge")


def _channel(source: str) -> int | None:
    if source.startswith("image-"):
        return int(source.split("-", 1)[1])
    return None


def build_input(choices: Choices, n: int, image: np.ndarray | None) -> np.ndarray:
    """The ``(n, n)`` input: a downscaled image channel, or whole numbers."""
    channel = _channel(choices.source)
    if channel is not None and image is not None:
        return image_patch(image, channel, n)
    return integer_matrix(n, choices.seed)


def build_kernel(choices: Choices, k: int, network: NetworkKernels | None) -> Kernel:
    """The ``(k, k)`` kernel: a network filter (for the chosen image channel; the first
    channel for whole numbers) or a classic."""
    if choices.kernel.startswith("network-") and network is not None:
        out_channel = int(choices.kernel.split("-", 1)[1])
        in_channel = _channel(choices.source) or 0
        in_channel = min(in_channel, network.weights.shape[2] - 1)
        return network_kernel(network.weights, network.layer, in_channel, out_channel, k)
    name = choices.kernel if choices.kernel in CLASSIC_KERNELS else CLASSIC_KERNELS[0]
    return classic_kernel(name, k)


def evaluate(settings: Settings, choices: Choices, image: np.ndarray | None,
             network: NetworkKernels | None) -> tuple[PlaygroundResult, Kernel]:
    """The playground for these settings and choices."""
    kernel = build_kernel(choices, settings.kernel_size, network)
    matrix = build_input(choices, settings.input_size, image)
    return compute(settings, matrix, kernel.matrix), kernel
