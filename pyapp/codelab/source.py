"""The real code of an operation, read from the shipped source itself (``inspect``), and the
starter that an exercise builds from it (the same signature and docstring, a body to fill in).

An operation is named by the ``pyapp.cnn.ops`` function that computes it: every layer kind's
forward pass runs the op named as the kind (``tests/test_codelab.py`` checks it), and the
output's softmax is ``ops.softmax``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from pyapp.cnn import ops

#: The starter's first lines: the real signature's annotations are never evaluated.
PRELUDE = "from __future__ import annotations\n\nimport numpy as np\n\n\n"
#: Where the functions shown live, as the page's file tree has them.
SOURCE_FILE = "pyapp/cnn/ops.py"


def op_function(op: str) -> Callable[..., Any]:
    """The core's function ``op`` (``KeyError`` when ``ops`` has no public function of that
    name)."""
    fn = getattr(ops, op, None) if op.isidentifier() and not op.startswith("_") else None
    if not inspect.isfunction(fn) or fn.__module__ != ops.__name__:
        raise KeyError(f"no operation called {op!r}")
    return fn


def real_source(op: str) -> str:
    """The source text of ``ops.<op>`` exactly as the page runs it."""
    return inspect.getsource(op_function(op))


def helpers(op: str) -> list[str]:
    """The other public ``ops`` functions that ``ops.<op>`` calls (one level), in order."""
    fn = op_function(op)
    names = []
    for name in fn.__code__.co_names:
        other = getattr(ops, name, None)
        if (name != op and not name.startswith("_") and inspect.isfunction(other)
                and other.__module__ == ops.__name__ and name not in names):
            names.append(name)
    return names


def header(op: str) -> str:
    """``def ...:`` and the docstring of ``ops.<op>``, without its body (dedented)."""
    text = textwrap.dedent(real_source(op))
    fn = ast.parse(text).body[0]
    assert isinstance(fn, ast.FunctionDef)
    first = fn.body[0]
    has_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
               and isinstance(first.value.value, str))
    end = first.end_lineno if has_doc else fn.body[0].lineno - 1
    return "\n".join(text.splitlines()[:end]) + "\n"


def starter(op: str, body: str) -> str:
    """The exercise's starting code: the real signature and docstring, then ``body`` (written
    unindented; indented here).  The annotations (``Sequence[int]``, ``Padding``) stay text."""
    return PRELUDE + header(op) + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
