"""The page shell in Japanese (CPython): the language choice, the lesson link's ``lang``, the
static texts of www/index.html, the language menu, the start-up glue's messages and the
notices of the shell's own modules — no English left (tests/i18n_text.english_words), and the
English page unchanged."""

from __future__ import annotations

import ast
import html
import json
import re
import string
from pathlib import Path

import pytest

from pyapp import i18n, links
from pyapp.i18n import check, language, shell, tr
from tests.i18n_text import english_words

ROOT = Path(__file__).resolve().parents[1]
# The shell's own modules (tests/test_i18n_catalogue.py checks every key is in ja.json)
OWN = ["pyapp/ui/app.py", "pyapp/ui/main.py", "pyapp/ui/address.py", "pyapp/ui/errors.py",
       "pyapp/ui/present.py", "pyapp/ui/language.py", "pyapp/links.py", "pyapp/i18n/__init__.py",
       "pyapp/i18n/shell.py"]
# names that stay as they are in every language: the menu's name holds both words, and each
# language is named in its own language
KEEP = ("Language", "English")


def visible_text(markup: str) -> str:
    """``markup``'s text without tags, comments, scripts, code, pre and math."""
    markup = re.sub(r"<!--.*?-->", " ", markup, flags=re.S)
    for tag in ("script", "code", "pre", "math", "style"):
        markup = re.sub(rf"<{tag}\b.*?</{tag}>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def attribute_text(markup: str) -> str:
    return " ".join(html.unescape(v) for v in re.findall(
        r'\s(?:aria-label|title|alt|placeholder)="([^"]*)"', markup))


def filled(text: str) -> str:
    """A catalogue text with every ``{placeholder}`` filled with a number."""
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    return text.format(**dict.fromkeys(fields, "1"))


@pytest.mark.parametrize(("asked", "browser", "expected"), [
    ("ja", [], "ja"), ("en", ["ja-JP"], "en"), (None, ["ja-JP", "en"], "ja"),
    (None, ["fr-FR", "ja"], "ja"), (None, ["fr-FR", "de"], "en"), ("xx", ["en-GB"], "en"),
    ("JA", [], "en"), ("", ["JA-jp"], "ja"), (None, [], "en"), ("ja" * 5000, [], "en"),
])
def test_the_language_is_the_link_s_else_the_browser_s_else_english(asked, browser,
                                                                     expected) -> None:
    assert i18n.choose(asked, browser) == expected


def test_lang_travels_in_lesson_links_and_a_bad_value_is_no_error() -> None:
    link = links.parse_page("?image=3&lang=ja", "#/conv_1_1/2")
    assert link.lang == "ja" and ("lang", "ja") in link.rest and link.problems == ()
    bad = links.parse_page("?lang=klingon&image=2")
    assert bad.lang is None and bad.problems == () and bad.image == 1
    assert links.with_lang("?image=3&model=models/m.npz&lang=en", "ja") == \
        "?image=3&model=models/m.npz&lang=ja"
    assert links.with_lang("", "ja") == "?lang=ja"
    assert links.with_lang("?lang=ja", "xx") == ""
    assert ("lang", "ja") in links.rest_of("?lang=ja&image=2")


def test_index_html_is_unchanged_in_english_and_all_japanese_in_japanese() -> None:
    source = shell.INDEX.read_text("utf-8")
    with language("en"):
        assert shell.translate_static(source) == source
    with language("ja"):
        page = shell.translate_static(source)
    body = page.partition("<body")[2]
    assert english_words(visible_text(body)) == []
    assert english_words(attribute_text(body)) == []
    assert english_words(html.unescape(re.search(r"<title>(.*?)</title>", page).group(1)),
                         KEEP) == []
    description = re.search(r'<meta name="description" content="([^"]*)"', page).group(1)
    assert english_words(html.unescape(description)) == []
    assert "<!--ARTICLE-->" in page and "<!--LANGUAGES-->" in page  # markers kept
    assert "ネットワーク" in page


def test_the_language_menu_is_named_in_every_language_and_selects_the_page_s() -> None:
    with language("ja"):
        menu = shell.language_menu()
    name = re.search(r'aria-label="([^"]*)"', menu).group(1)
    assert "Language" in name and "言語" in name
    assert re.search(r'<option value="ja" lang="ja" selected>日本語</option>', menu)
    assert '<option value="en" lang="en">English</option>' in menu
    assert english_words(visible_text(menu) + " " + name, KEEP) == []


def test_boot_js_english_is_the_catalogue_s_key_and_japanese_has_no_english() -> None:
    """www/boot.js keeps its English as the fallback: each ``t("id", "...")`` there must be
    the key of :data:`pyapp.i18n.shell.BOOT` (else the Japanese would never be found)."""
    js = (ROOT / "www" / "boot.js").read_text("utf-8")
    found = {}
    for m in re.finditer(r't\("(\w+)",\s*((?:"(?:[^"\\]|\\.)*"\s*\+?\s*)+)', js):
        found[m.group(1)] = "".join(json.loads(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"',
                                                                       m.group(2)))
    assert found == shell.BOOT
    texts = json.loads(shell.boot_texts())
    assert texts["en"] == shell.BOOT
    for key, text in texts["ja"].items():
        assert english_words(filled(text)) == [], key


def own_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for rel in OWN:
        found, _ = check.source_keys(ast.parse((ROOT / rel).read_text("utf-8")), rel)
        keys.update(found)
    return keys


def test_every_message_of_the_shell_is_japanese() -> None:
    keys = own_keys()
    assert "Link copied." in keys and "Dismiss this message" in keys and "horse" in keys
    catalogue = i18n.catalogue("ja")
    with language("ja"):
        for key, where in keys.items():
            assert key in catalogue, f"{key!r} ({where}) is not in ja.json"
            assert english_words(filled(tr(key))) == [], (key, where)


def test_notices_built_by_the_shell_read_in_japanese() -> None:
    from pyapp.i18n import N_
    from pyapp.ui import errors

    with language("ja"):
        problems = links.parse_page("?image=abc").problems
        too_long = links.parse_page("?" + "x" * 5000).problems
        described = errors.describe(RuntimeError(), N_("redrawing"))
        plain = errors.describe(RuntimeError())
        listener = errors.describe(RuntimeError(), "the example images (click)")
    for text in (*problems, *too_long):
        assert english_words(text) == [] and "最初の例" in text
    assert "再描画" in described and english_words(described, ["RuntimeError"]) == []
    assert english_words(plain, ["RuntimeError"]) == []
    assert "例の画像" in listener and english_words(listener, ["RuntimeError"]) == []
    with language("en"):  # English exactly as before
        assert errors.describe(RuntimeError(), "redrawing") == (
            "Something went wrong while redrawing (RuntimeError). The app is still running: "
            "you can carry on or try again.")
        assert links.parse_page("?image=abc").problems == (
            "The link names an example that does not exist; showing the first example.",)


def test_each_language_has_a_page_of_its_own(built_site: Path) -> None:
    """One page per language (issue 13: a page carrying every language was parsed 0.3 s
    later): the English page holds no Japanese, the Japanese one no English body, each has its
    pictures, its own start-up messages, the CSP and the first-paint mark."""
    from build import CSP_META
    from pyapp.prerender import MARK_SCRIPT

    assert [i18n.page_file(c) for c in i18n.LANGUAGES] == ["index.html", "index.ja.html"]
    assert i18n.page_file("xx") == "index.html"
    pages = {code: (built_site / i18n.page_file(code)).read_text("utf-8")
             for code in i18n.LANGUAGES}
    pictures = {}
    for code, page in pages.items():
        assert f'<html lang="{code}" data-languages="en ja">' in page
        assert "<template" not in page and "data:,png" not in page
        assert page.count(MARK_SCRIPT) == 1 and page.count(CSP_META) == 1
        texts = json.loads(re.search(r'id="boot-text">(.*?)</script>', page).group(1))
        assert set(texts) == {code}
        assert "<!--" + "LANGUAGES-->" not in page and "<!--ARTICLE-->" not in page
        pictures[code] = set(re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", page))
    assert pictures["en"] and pictures["en"] == pictures["ja"]  # the same network, drawn
    english, japanese = pages["en"], pages["ja"]
    kana = re.compile(r"[\u3040-\u30ff]")  # hiragana and katakana: the menu's 日本語 is kanji
    assert not kana.search(english), kana.search(english)
    assert english.count('<option value="ja" lang="ja">日本語</option>') == 1
    title = re.search(r"<title>(.*?)</title>", japanese).group(1)
    description = re.search(r'<meta name="description" content="([^"]*)"', japanese).group(1)
    assert english_words(html.unescape(title), KEEP) == [] and kana.search(title)
    assert english_words(html.unescape(description)) == []
    body = japanese[japanese.index("<body"):]
    header = re.search(r"<header.*?</header>", body, re.S).group(0)
    status = re.search(r'<section id="status".*?</section>', body, re.S).group(0)
    for part in (header, status):
        assert english_words(visible_text(part) + " " + attribute_text(part), KEEP) == []
    assert "<h1>CNN Explainer</h1>" in english and "<h1>CNN Explainer</h1>" not in japanese
