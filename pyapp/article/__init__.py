"""The tutorial article below the tool: text, native MathML formulas, and this network's real
numbers (computed from the model's spec).  Plain CPython: ``build.py`` renders it at build time
with :func:`pyapp.article.render.article_html`."""
