"""The catalogue check (pyapp/i18n/check.py): on the repository every key the source uses is in
every catalogue with the same placeholders; on small made-up packages it finds what is missing,
mismatched, dynamic or unused; and the build fails, saying which keys, when one is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import build
from pyapp.i18n import LANGUAGES, check

PACKAGE_SRC = '''
from pyapp.i18n import N_, tr, trn
LABEL = N_("Kernel")
def f(name, n, obj):
    a = tr("Close")
    b = tr("Hello {name}", name=name)
    c = trn("{n} map", "{n} maps", n)
    d = tr(LABEL) + tr(obj.TITLE)
    e = tr(f"bad {name}")
    g = tr("a" + name)
    return a, b, c, d, e, g
'''


def make_package(tmp_path: Path, catalogue: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    (root / "i18n").mkdir(parents=True)
    (root / "ui").mkdir()
    (root / "train").mkdir()
    (root / "ui" / "thing.py").write_text(PACKAGE_SRC)
    (root / "train" / "skipped.py").write_text('tr("Never shipped")\n')
    for code in LANGUAGES:
        if code != "en":
            (root / "i18n" / f"{code}.json").write_text(json.dumps(catalogue))
    return root


def test_the_repository_catalogues_are_complete() -> None:
    report = check.check(check.default_sources())
    assert report.ok, "\n".join(report.lines())
    assert "Loading Python…" in report.keys  # the start-up glue's texts
    assert "Tinker with the network" in report.keys  # www/index.html's static texts
    assert "horse" in report.keys  # CIFAR-10's class names


def test_the_collector_finds_literals_constants_and_plural_forms(tmp_path: Path) -> None:
    report = check.check(root=make_package(tmp_path, {}))
    assert set(report.keys) == {"Kernel", "Close", "Hello {name}", "{n} map", "{n} maps"}
    assert "Never shipped" not in report.keys  # pyapp/train is not shipped
    # tr(LABEL) and tr(obj.TITLE) are N_ constants; the f-string and the sum are errors
    assert len(report.dynamic) == 2
    assert all("thing.py" in d for d in report.dynamic)
    assert not report.ok


def test_missing_mismatched_and_unused_keys(tmp_path: Path) -> None:
    cat = {"Kernel": "カーネル", "Close": "閉じる", "Hello {name}": "こんにちは {nom}",
           "{n} map": "{n} 枚", "Unused here": "使われない"}
    report = check.check(root=make_package(tmp_path, cat))
    ja = [c for c in LANGUAGES if c != "en"][0]
    assert report.missing[ja] == ["{n} maps"]
    assert report.placeholders[ja] == ["Hello {name}"]
    assert report.unused[ja] == ["Unused here"]
    lines = report.lines()
    assert any("lacks '{n} maps'" in line and line.startswith("error") for line in lines)
    assert any("Unused here" in line and line.startswith("warning") for line in lines)


def test_extra_key_sources_are_checked_too(tmp_path: Path) -> None:
    cat = {"Kernel": "カーネル", "Close": "閉じる", "Hello {name}": "こんにちは {name}",
           "{n} map": "{n} 枚", "{n} maps": "{n} 枚"}
    root = make_package(tmp_path, cat)
    (root / "ui" / "thing.py").write_text(PACKAGE_SRC.replace('tr(f"bad {name}")', '""')
                                          .replace('tr("a" + name)', '""'))
    assert check.check(root=root).ok
    tour = check.check([lambda: {"Step one": "tours/x.json"}], root=root)
    ja = [c for c in LANGUAGES if c != "en"][0]
    assert tour.missing[ja] == ["Step one"] and not tour.ok


def test_the_build_fails_naming_the_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "default_sources",
                        lambda: [lambda: {"A text nobody translated": "somewhere.py:1"}])
    with pytest.raises(build.BuildError, match="A text nobody translated"):
        build.check_catalogues()


def test_the_catalogue_is_written_in_the_shared_format() -> None:
    """One flat object, sorted, indent 1, non-ASCII kept: others add entries with the same
    dump, so a merge is a union of lines."""
    path = Path(check.PACKAGE) / "i18n" / "ja.json"
    data = json.loads(path.read_text("utf-8"))
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items())
    assert path.read_text("utf-8") == json.dumps(data, ensure_ascii=False, indent=1,
                                                 sort_keys=True) + "\n"
