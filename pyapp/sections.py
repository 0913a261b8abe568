"""Where each layer kind is explained in the article (each kind's ``article_section``), and the
overview's other columns: the overview links a layer's label to its section, and the article
gives each section that id."""

from __future__ import annotations

from pyapp.cnn.kinds import KINDS

SECTION_IDS: dict[str, str] = {
    "input": "article-input",
    **{name: kind.article_section for name, kind in KINDS.items()},
    "output": "article-softmax",
    "softmax": "article-softmax",
    "probabilities": "article-softmax",
}


def section_for_layer(layer_type: str) -> str:
    """The article section id for a layer kind (``"conv2d"``, ``"relu"``, ...) or overview
    column (``"input"``, ``"output"``); ``"article-what"`` for anything else."""
    return SECTION_IDS.get(layer_type, "article-what")
