"""Print / handout: Chromium's print of the overview is one page holding the network and the
output bars, black on white, without the controls, the tour box or the article; an open
detail view prints on the page after it."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WAIT = 30_000
# A4 landscape minus the print style sheet's 10 mm margins, in CSS pixels (96 per inch)
PAGE_W, PAGE_H = round(277 / 25.4 * 96), round(190 / 25.4 * 96)


def pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def printed(page: Any) -> dict:
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PAGE_W, "height": PAGE_H})
    return page.evaluate("""() => {
      const box = (s) => { const e = document.querySelector(s);
        return e ? e.getBoundingClientRect().toJSON() : null; };
      const shown = (s) => { const e = document.querySelector(s);
        return !!e && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0; };
      return {net: box('.ov-net'), bars: [...document.querySelectorAll('.ov-out')]
                .map(e => e.getBoundingClientRect().toJSON()),
              probs: [...document.querySelectorAll('.ov-out .ov-prob')].map(e => e.textContent),
              bg: getComputedStyle(document.body).backgroundColor,
              ink: getComputedStyle(document.querySelector('.ov-cls')).color,
              upload: shown('.ov-upload'), tour: shown('#tour'), article: shown('.article-region'),
              playground: shown('.playground-section')};
    }""")


def test_the_overview_prints_on_one_page_with_its_numbers(app_page):
    app = app_page.open("?tour=1&step=4")
    page = app.page
    page.wait_for_function("document.getElementById('tour')?.dataset.state === 'ready'",
                           timeout=WAIT)
    on_screen = page.eval_on_selector_all(".ov-out .ov-prob", "es => es.map(e => e.textContent)")
    assert pdf_pages(page.pdf(prefer_css_page_size=True)) == 1
    p = printed(page)
    assert p["net"] is not None and len(p["bars"]) == 10
    assert p["net"]["bottom"] <= PAGE_H and p["net"]["right"] <= PAGE_W
    assert all(b["bottom"] <= PAGE_H and b["right"] <= PAGE_W for b in p["bars"])
    assert p["probs"] == on_screen and all(t.strip() for t in p["probs"])
    assert p["bg"] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert p["ink"] == "rgb(0, 0, 0)"
    assert not (p["upload"] or p["tour"] or p["article"] or p["playground"])


def test_an_open_view_prints_after_the_network(app_page):
    app = app_page.open("#/conv_1_1/1@5,5")
    app.wait_open("#conv_1_1/0")
    assert pdf_pages(app.page.pdf(prefer_css_page_size=True)) == 2
    p = printed(app.page)
    assert p["net"]["bottom"] <= PAGE_H
    dialog = app.page.eval_on_selector("#dv", "e => e.getBoundingClientRect().toJSON()")
    assert dialog["top"] >= PAGE_H - 1 and dialog["height"] > 100
    assert "Row 5, column 5" in app.page.inner_text("#dv")
