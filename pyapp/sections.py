"""Where each layer type is explained in the article: the overview links a layer's label to
its section, and the article gives each section that id."""

from __future__ import annotations

SECTION_IDS: dict[str, str] = {
    "input": "article-input",
    "conv2d": "article-conv",
    "relu": "article-relu",
    "max_pool2d": "article-pool",
    "flatten": "article-flatten",
    "dense": "article-softmax",
    "softmax": "article-softmax",
    "probabilities": "article-softmax",
}


def section_for_layer(layer_type: str) -> str:
    """The article section id for a layer type (``"conv2d"``, ``"relu"``, ..., ``"input"``);
    ``"article-what"`` for anything else."""
    return SECTION_IDS.get(layer_type, "article-what")
