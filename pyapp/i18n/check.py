"""The catalogue check (CPython): every key the source uses exists in every catalogue.

Keys are collected with :mod:`ast` from the first argument of ``tr(...)``, the first two of
``trn(...)`` and the argument of ``N_(...)`` in every module of ``pyapp/`` (except
``pyapp/train``, which never ships), plus any extra key sources (``KeySource``: a callable that
returns ``{key: where}``; for instance the static texts of ``www/index.html`` from
:func:`pyapp.i18n.shell.index_keys`, or a tour file whose texts are catalogue keys).

Problems found, per catalogue (``pyapp/i18n/<code>.json`` for every code in LANGUAGES but
English):

* **missing** — a key the source uses that the catalogue lacks (error: the build fails);
* **placeholders** — a translation that uses a ``{name}`` neither the English nor the calls
  pass (error: it would fail when shown);
* **dynamic** — ``tr()`` / ``trn()`` whose key is not a literal, e.g. ``tr(f"...")`` (error);
  a name, attribute or lookup (``tr(LABEL)``, ``tr(self.TITLE)``, ``tr(LABELS[kind])``) is
  allowed: it names ``N_`` constants, whose keys are collected where they are marked;
* **unused** — a catalogue key no source uses (warning only: another part may still add it).

``python -m pyapp.i18n.check`` prints the report and exits 1 on errors.
"""

from __future__ import annotations

import ast
import json
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyapp.i18n import DEFAULT, LANGUAGES

PACKAGE = Path(__file__).resolve().parents[1]
SKIP = ("train",)  # sub-packages of pyapp/ that are never shipped
MACHINERY = "i18n"  # pyapp/i18n: tr() and the shell hand keys on (not literals by design)
KeySource = Callable[[], dict[str, str]]  # key -> where it is used


@dataclass
class Report:
    """What :func:`check` found; ``ok`` when there is no error (warnings allowed)."""

    keys: dict[str, str] = field(default_factory=dict)  # key -> first place it is used
    missing: dict[str, list[str]] = field(default_factory=dict)  # code -> keys
    placeholders: dict[str, list[str]] = field(default_factory=dict)  # code -> keys
    unused: dict[str, list[str]] = field(default_factory=dict)  # code -> keys
    dynamic: list[str] = field(default_factory=list)  # "file:line: call"

    @property
    def ok(self) -> bool:
        return not (any(self.missing.values()) or any(self.placeholders.values())
                    or self.dynamic)

    def lines(self) -> list[str]:
        """The report as text lines (errors first, then warnings)."""
        out: list[str] = []
        for code, keys in self.missing.items():
            out += [f"error: {code}.json lacks {k!r} (used in {self.keys[k]})" for k in keys]
        for code, keys in self.placeholders.items():
            out += [f"error: {code}.json: the placeholders of {k!r} differ from the English"
                    for k in keys]
        out += [f"error: {where}: the key is not a literal" for where in self.dynamic]
        for code, keys in self.unused.items():
            out += [f"warning: {code}.json: {k!r} is used nowhere" for k in keys]
        return out


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
        else None


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def source_keys(tree: ast.AST, where: str, passed: dict[str, set[str]] | None = None
                ) -> tuple[dict[str, str], list[str]]:
    """Keys used in one module's ``tree`` (``{key: "file:line"}``), and the dynamic calls.
    ``passed`` collects, per literal key, the value names its calls pass (``{n}`` for
    ``trn``), so a translation may use a value the English leaves out."""
    keys: dict[str, str] = {}
    dynamic: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        count = {"tr": 1, "N_": 1, "trn": 2}.get(name, 0)
        names = {k.arg for k in node.keywords if k.arg} | ({"n"} if name == "trn" else set())
        for arg in node.args[:count]:
            text = _literal(arg)
            if text is not None:
                keys.setdefault(text, f"{where}:{node.lineno}")
                if passed is not None and name != "N_":
                    passed.setdefault(text, set()).update(names)
            elif name != "N_" and not isinstance(arg, ast.Name | ast.Attribute | ast.Subscript):
                dynamic.append(f"{where}:{node.lineno}: {name}({ast.unparse(arg)[:60]})")
    return keys, dynamic


def package_keys(root: Path = PACKAGE, passed: dict[str, set[str]] | None = None
                 ) -> tuple[dict[str, str], list[str]]:
    """:func:`source_keys` over every shipped module of the package at ``root``."""
    keys: dict[str, str] = {}
    dynamic: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP:
            continue
        where = f"{root.name}/{rel.as_posix()}"
        found, dyn = source_keys(ast.parse(path.read_text("utf-8"), str(path)), where, passed)
        for key, at in found.items():
            keys.setdefault(key, at)
        if rel.parts[0] != MACHINERY:  # the machinery itself passes keys on
            dynamic += dyn
    return keys, dynamic


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a format string (a broken one: ``{"<unparsable>"}``)."""
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<unparsable>"}


def check(extra: Iterable[KeySource] = (), root: Path = PACKAGE,
          catalogues: dict[str, dict[str, str]] | None = None) -> Report:
    """Check the package's keys (and ``extra`` sources') against every catalogue."""
    passed: dict[str, set[str]] = {}
    keys, dynamic = package_keys(root, passed)
    for source in extra:
        for key, at in source().items():
            keys.setdefault(key, at)
    if catalogues is None:
        catalogues = {code: json.loads((root / "i18n" / f"{code}.json").read_text("utf-8"))
                      for code in LANGUAGES if code != DEFAULT}
    report = Report(keys=keys, dynamic=dynamic)
    for code, cat in catalogues.items():
        report.missing[code] = sorted(k for k in keys if k not in cat)
        # a translation may leave a value out, or use one the calls pass that the English
        # leaves out; any other name would fail at run time
        report.placeholders[code] = sorted(
            k for k, v in cat.items()
            if not placeholders(str(v)) <= placeholders(k) | passed.get(k, set()))
        report.unused[code] = sorted(k for k in cat if k not in keys)
    return report


def default_sources() -> list[KeySource]:
    """The extra key sources of this project: the page shell's static texts."""
    from pyapp.i18n.shell import index_keys

    return [index_keys]


def main(argv: Sequence[str] | None = None) -> int:
    report = check(default_sources())
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("error") else sys.stdout)
    print(f"{len(report.keys)} keys; {'ok' if report.ok else 'FAILED'}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
