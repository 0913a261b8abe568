"""The dependency rules of docs/ARCHITECTURE.md, checked on the source: the maths never imports
the page layer, ``render`` never imports ``article``, nothing shipped imports ``pyapp.train``,
and the packages form no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PYAPP = Path(__file__).resolve().parents[1] / "pyapp"


def unit_of(module: str) -> str:
    """``pyapp.render.maps`` -> ``render``; top-level modules (``pyapp.session``) are their
    own unit."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pyapp"


def imports() -> dict[str, set[str]]:
    """Module -> every ``pyapp`` module it imports (at any depth of the file)."""
    out: dict[str, set[str]] = {}
    for path in PYAPP.rglob("*.py"):
        rel = path.relative_to(PYAPP.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package = name if rel.name == "__init__" else name.rsplit(".", 1)[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("pyapp"))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.startswith("pyapp"):
                    found.add(target)
        out[name] = found
    return out


GRAPH = imports()


def test_the_walk_sees_the_package():
    assert "pyapp.session" in GRAPH and "pyapp.ui.app" in GRAPH
    assert "pyapp.session" in GRAPH["pyapp.ui.app"]


@pytest.mark.parametrize("unit", ["cnn", "render", "views", "playground", "article"])
def test_the_maths_never_imports_the_page(unit):
    for module, targets in GRAPH.items():
        if unit_of(module) == unit:
            assert not any(unit_of(t) == "ui" for t in targets), module


def test_render_never_imports_article():
    for module, targets in GRAPH.items():
        if unit_of(module) == "render":
            assert not any(unit_of(t) == "article" for t in targets), module


def test_nothing_shipped_imports_train():
    for module, targets in GRAPH.items():
        if unit_of(module) != "train":
            assert not any(unit_of(t) == "train" for t in targets), module


def test_no_package_cycles():
    units: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        src = unit_of(module)
        units.setdefault(src, set()).update(unit_of(t) for t in targets if unit_of(t) != src)
    # the top-level modules (session, links, ...) sit between the maths and the page: they
    # may import the maths, the page may import them, nothing in the maths imports them
    # except through the layer below; check cycles between packages proper
    packages = {u for u in units if u != "pyapp"}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in units.get(todo.pop(), ()):
                if nxt in packages and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for unit in packages:
        assert unit not in reach(unit), f"package cycle through {unit}"
