"""The article's "open this in the tool" links (issue 15, item 10): each one, clicked in the
page, opens the detail view its figure shows (the dialog's ``data-hash``, 0-based, is the
link's view); Esc closes it again. The figures are in the built page as images."""

from __future__ import annotations

import pytest

from tests.conftest import url_hash

pytestmark = pytest.mark.browser


def test_each_article_link_opens_the_matching_view(app_page) -> None:
    app_page.open()
    page = app_page.page
    links = page.eval_on_selector_all(
        "#article a[data-opens]",
        "els => els.map(a => [a.closest('section').id, a.getAttribute('href'), a.textContent])")
    sections = [s for s, _, _ in links]
    assert sections == ["article-input", "article-conv", "article-relu", "article-pool",
                        "article-flatten", "article-softmax"]
    for section, href, text in links:
        assert text.startswith("Open "), text
        # the section's figure is drawn: its images decoded (the softmax one is a table)
        loaded = page.eval_on_selector_all(
            f"#{section} .article-figure img",
            "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
        assert all(loaded) and (loaded or section == "article-softmax"), section
        link = page.locator(f"#{section} a[data-opens]")
        link.scroll_into_view_if_needed()
        link.click()
        page.wait_for_function(
            "() => { const d = document.getElementById('dv'); return d && d.open; }",
            timeout=20_000)
        assert url_hash(app_page.dv("hash")) == href, section
        assert page.evaluate("location.hash") == href
        app_page.close_all()
    assert app_page.console_errors == []
    assert app_page.outside_requests == []
