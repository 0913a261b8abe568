"""Offline after the first visit, and clean updates (service worker + web app manifest).

* offline: load once, the worker precaches exactly the build's files; the context goes offline;
  a reload boots Python and the app, a gallery click and an upload are classified;
* update: a rebuilt site (another build id) installs beside the running one; the page says
  "a new version is ready — reload"; accepting runs the new version and the old cache is gone;
* first visit: each file is downloaded once (the precache reuses what the page fetched), and
  the page then says "Available offline" in a live region;
* heal: files lost from the worker's cache come back on the next online visit;
* a failed update (a file missing from the new build) is said once, then backs off;
* a second tab follows an update accepted in another tab;
* the web app manifest and its icons (CPython only).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
import sitekit  # noqa: E402

browser_mark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Path:
    return sitekit.site_root(request)


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (90, 70), colour).save(buf, "PNG")
    return buf.getvalue()


@browser_mark
def test_offline_reload_boots_and_classifies(browser, site: Path) -> None:
    sitekit.require_service_worker(site)
    manifest = json.loads((site / "build-manifest.json").read_text())
    with sitekit.serve_dir(site) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = sitekit.open_app(watched)
            state = sitekit.wait_service_worker(page)
            name = f"cnn-explainer-{manifest['build_id']}"
            assert state["caches"] == [name]
            cached = {path.lstrip("/") for path in state["entries"][name]}
            assert cached == set(manifest["files"]) | {"build-manifest.json"}

            watched.context.set_offline(True)
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            assert page.evaluate("() => !!navigator.serviceWorker.controller")
            sitekit.need(page, sitekit.THUMBS, "the gallery")
            sitekit.click_gallery(page, 1)
            before = sitekit.mark_count(page, "app:image-drawn")
            sitekit.upload(page, "offline.png", "image/png", _png((20, 180, 60)))
            sitekit.wait_mark(page, "app:image-drawn", before, 30_000)
            assert "offline.png" not in sitekit.messages(page)  # no refusal
            # everything after going offline came from the worker's cache
            served = page.evaluate("""() => performance.getEntriesByType('resource')
                .filter((e) => e.name.startsWith(location.origin))
                .map((e) => [new URL(e.name).pathname, e.workerStart > 0])""")
            assert len(served) > 10, f"too few resources recorded: {served}"
            missed = [path for path, by_worker in served if not by_worker]
            assert missed == [], f"not served by the service worker: {missed}"
            assert watched.console_errors == []
            assert watched.outside_requests == []
        finally:
            watched.context.close()


def _rebuild_with_change(root: Path, marker: str) -> str:
    """A new build of the same site: one file changed, manifest and worker re-stamped."""
    import build

    with (root / "style.css").open("a", encoding="utf-8") as handle:
        handle.write(f"\n/* {marker} */\n")
    manifest = build.write_manifest(root)
    return str(manifest["build_id"])


@browser_mark
def test_new_build_is_offered_then_replaces_the_old(browser, site: Path,
                                                    tmp_path: Path) -> None:
    sitekit.require_service_worker(site)
    root = tmp_path / "site"
    shutil.copytree(site, root)
    old_id = json.loads((root / "build-manifest.json").read_text())["build_id"]
    with sitekit.serve_dir(root) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = sitekit.open_app(watched)
            sitekit.wait_service_worker(page)

            new_id = _rebuild_with_change(root, "second build")
            assert new_id != old_id
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            # the running page is still entirely the old version (served by the old worker)
            assert "second build" not in page.evaluate(
                "async () => (await fetch('style.css')).text()")
            notice = page.wait_for_selector(sitekit.UPDATE_NOTICE, timeout=90_000)
            assert "new version is ready" in notice.inner_text().lower()
            assert "reload" in notice.inner_text().lower()

            with page.expect_navigation(timeout=60_000):
                page.click(sitekit.UPDATE_RELOAD)
            sitekit.wait_mark(page, "app:interactive")
            state = page.evaluate("""async () => ({
                caches: await caches.keys(),
                css: await (await fetch('style.css')).text(),
                controller: navigator.serviceWorker.controller &&
                            navigator.serviceWorker.controller.scriptURL,
            })""")
            assert state["caches"] == [f"cnn-explainer-{new_id}"]  # the old cache is gone
            assert "second build" in state["css"]
            assert state["controller"].endswith("/sw.js")
            assert page.locator(sitekit.UPDATE_NOTICE).count() == 0
            assert watched.console_errors == []
        finally:
            watched.context.close()


OFFLINE_READY = "#offline-state"


def _wait_available_offline(page, text: str = "Available offline") -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.textContent || '') === t",
        arg=[OFFLINE_READY, text], timeout=90_000)


@browser_mark
@pytest.mark.parametrize(("link", "ready"), [("", "Available offline"),
                                             ("index.html?lang=ja", "オフラインで使えます")])
def test_first_visit_downloads_each_file_once_then_says_available_offline(
        browser, site: Path, tmp_path: Path, link: str, ready: str) -> None:
    """Also in Japanese: ``?lang=ja`` goes from the English page to the Japanese one (issue
    13: one language per page), and the precache still takes both from the HTTP cache; then
    offline, the same link opens the Japanese page from the worker's cache."""
    sitekit.require_service_worker(site)
    manifest = json.loads((site / "build-manifest.json").read_text())
    log: list[tuple[str, int]] = []
    with sitekit.serve_dir(site, log) as url:
        # a profile on disk, as a visitor's browser has: an in-memory (incognito) HTTP cache
        # keeps no entry above a few MB, such as pyodide.asm.wasm
        from tests.conftest import CHROMIUM, CHROMIUM_ARGS

        context = browser.browser_type.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, service_workers="allow", viewport={"width": 1280, "height": 800})
        watched = sitekit.Watched(context.pages[0], url, context)
        context.on("request", lambda request: watched.requests.append(request.url))
        watched.page.on("console", lambda msg: watched.console_errors.append(msg.text)
                        if msg.type == "error" else None)
        try:
            page = sitekit.open_app(watched, link)
            region = page.locator(OFFLINE_READY)
            assert region.get_attribute("role") == "status"  # announced by screen readers
            _wait_available_offline(page, ready)
            state = sitekit.wait_service_worker(page)
            entries = state["entries"][f"cnn-explainer-{manifest['build_id']}"]
            cached = {p.lstrip("/") for p in entries}
            assert cached == set(manifest["files"]) | {"build-manifest.json"}
            downloads: dict[str, int] = {}
            for path, status in log:
                if status == 200:
                    name = "/index.html" if path == "/" else path
                    downloads[name] = downloads.get(name, 0) + 1
            twice = {path: n for path, n in downloads.items() if n > 1}
            assert twice == {}, f"downloaded more than once on the first visit: {twice}"
            assert set(downloads) >= {"/" + f for f in manifest["files"]}
            assert watched.console_errors == []
            if link:  # offline, the link again: the Japanese page, from the worker's cache
                context.set_offline(True)
                sitekit.open_app(watched, link)
                assert page.evaluate("[location.pathname, document.documentElement.lang]") \
                    == ["/index.ja.html", "ja"]
                assert page.evaluate("() => !!navigator.serviceWorker.controller")
                assert watched.console_errors == []
        finally:
            watched.context.close()


_DROP = """async (paths) => {
    const names = (await caches.keys()).filter((n) => n.startsWith('cnn-explainer-'));
    const cache = await caches.open(names[0]);
    for (const p of paths) await cache.delete(new URL(p, location.href).href);
    return names[0];
}"""
_HAS = """async ([name, paths]) => {
    const cache = await caches.open(name);
    for (const p of paths) if (!(await cache.match(new URL(p, location.href).href))) return false;
    return true;
}"""


@browser_mark
def test_lost_cache_entries_come_back_on_the_next_online_visit(browser, site: Path) -> None:
    sitekit.require_service_worker(site)
    lost = ["runtime/pyodide/pyodide.asm.wasm", "app/pyapp.zip", "index.html"]
    with sitekit.serve_dir(site) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = sitekit.open_app(watched)
            _wait_available_offline(page)
            sitekit.wait_service_worker(page)
            name = page.evaluate(_DROP, lost)
            assert not page.evaluate(_HAS, [name, lost])
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            page.wait_for_function(_HAS, arg=[name, lost], timeout=60_000)
            _wait_available_offline(page)

            watched.context.set_offline(True)
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            assert watched.console_errors == []
        finally:
            watched.context.close()


_SETTLED = """async () => {
    const r = await navigator.serviceWorker.getRegistration();
    return !!r && !r.installing;
}"""


@browser_mark
def test_failed_update_is_said_once_and_backs_off(browser, site: Path, tmp_path: Path) -> None:
    """A new build whose manifest lists a file the server does not have: the page says so once,
    keeps working, and later visits do not download the build again."""
    sitekit.require_service_worker(site)
    root = tmp_path / "site"
    shutil.copytree(site, root)
    log: list[tuple[str, int]] = []
    with sitekit.serve_dir(root, log) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = sitekit.open_app(watched)
            sitekit.wait_service_worker(page)
            # a new file in the manifest that the server then lacks (a file the worker holds
            # already, unchanged, would be taken from the HTTP cache: no need to fail)
            (root / "new-in-this-build.txt").write_text("listed, then lost\n")
            _rebuild_with_change(root, "broken build")
            (root / "new-in-this-build.txt").unlink()

            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            page.wait_for_function(
                "() => (document.getElementById('boot-note')?.textContent || '')"
                ".includes('could not be installed')", timeout=90_000)
            note = page.inner_text("#boot-note")
            assert "keeps working" in note and "new-in-this-build.txt" in note
            assert page.locator(sitekit.UPDATE_NOTICE).count() == 0

            del log[:]
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()"
                          ".catch(() => null)")
            page.wait_for_function(_SETTLED, timeout=60_000)
            fetched = [path for path, status in log if status == 200]
            assert "/build-manifest.json" not in fetched, fetched
            assert len(fetched) <= 3, f"a visit while backing off downloaded {fetched}"
            assert "could not be installed" not in page.inner_text("body")  # said once
            assert page.locator(sitekit.UPDATE_NOTICE).count() == 0
        finally:
            watched.context.close()


@browser_mark
def test_second_tab_follows_an_update_accepted_in_another(browser, site: Path,
                                                          tmp_path: Path) -> None:
    sitekit.require_service_worker(site)
    root = tmp_path / "site"
    shutil.copytree(site, root)
    with sitekit.serve_dir(root) as url:
        watched = sitekit.new_context(browser, url)
        try:
            first = sitekit.open_app(watched)
            sitekit.wait_service_worker(first)
            second = watched.context.new_page()
            second.goto(url)
            sitekit.wait_mark(second, "app:interactive")
            assert second.evaluate("() => !!navigator.serviceWorker.controller")

            _rebuild_with_change(root, "second build")
            first.reload()
            sitekit.wait_mark(first, "app:interactive")
            first.wait_for_selector(sitekit.UPDATE_NOTICE, timeout=90_000)
            with first.expect_navigation(timeout=60_000):
                first.click(sitekit.UPDATE_RELOAD)
            sitekit.wait_mark(first, "app:interactive")

            notice = second.wait_for_selector(sitekit.UPDATE_NOTICE, timeout=60_000)
            second.wait_for_function(
                "(s) => document.querySelector(s).innerText.includes('another tab')",
                arg=sitekit.UPDATE_NOTICE, timeout=30_000)
            assert "reload" in notice.inner_text().lower()
            with second.expect_navigation(timeout=60_000):
                second.click(sitekit.UPDATE_RELOAD)
            sitekit.wait_mark(second, "app:interactive")
            assert "second build" in second.evaluate(
                "async () => (await fetch('style.css')).text()")
            assert watched.console_errors == []
        finally:
            watched.context.close()


def test_web_app_manifest_and_icons(repo_root: Path) -> None:
    www = repo_root / "www"
    manifest = json.loads((www / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["display"] == "fullscreen"
    assert manifest["start_url"] == "./" and manifest["scope"] == "./"
    assert manifest["name"] and manifest["short_name"]
    purposes = {}
    for icon in manifest["icons"]:
        path = www / icon["src"]
        assert path.exists(), icon["src"]
        with Image.open(path) as im:
            assert im.format == "PNG"
            assert f"{im.width}x{im.height}" == icon["sizes"]
        purposes.setdefault(icon["purpose"], []).append(im.width)
    assert max(purposes["any"]) >= 512 and min(purposes["any"]) <= 192
    assert max(purposes["maskable"]) >= 512
    with Image.open(www / "icons" / "icon-maskable-512.png") as im:
        rgba = im.convert("RGBA")
        assert rgba.getextrema()[3][0] == 255, "a maskable icon must be opaque (full bleed)"


def test_icons_are_up_to_date(repo_root: Path) -> None:
    sys.path.insert(0, str(repo_root / "tools"))
    import make_icons

    assert make_icons.main(["--check"]) == 0


def test_index_links_the_manifest(repo_root: Path) -> None:
    html = (repo_root / "www" / "index.html").read_text(encoding="utf-8")
    assert 'rel="manifest"' in html
    assert 'href="./manifest.webmanifest"' in html


def test_build_id_is_stamped_and_follows_the_content(repo_root: Path, tmp_path: Path) -> None:
    import build

    assert hasattr(build, "stamp_build_id"), "build.py stamps a build id into sw.js"
    site = tmp_path / "site"
    site.mkdir()
    shutil.copyfile(repo_root / "www" / "sw.js", site / "sw.js")
    (site / "index.html").write_text("<!doctype html><title>t</title>\n")
    first = build.write_manifest(site)
    worker = (site / "sw.js").read_text()
    assert f'const BUILD_ID = "{first["build_id"]}";' in worker
    assert first["files"]["sw.js"]["size"] == len(worker.encode())
    assert build.write_manifest(site)["build_id"] == first["build_id"]  # deterministic
    (site / "index.html").write_text("<!doctype html><title>t2</title>\n")
    second = build.write_manifest(site)
    assert second["build_id"] != first["build_id"]
    assert f'const BUILD_ID = "{second["build_id"]}";' in (site / "sw.js").read_text()


@browser_mark
def test_own_model_is_kept_for_offline_visits(browser, site: Path, tmp_path: Path) -> None:
    """A kiosk opens ``?model=models/own.npz`` once; offline, the same URL shows that model."""
    from pyapp.cnn.formats import save_native
    from pyapp.cnn.model import tinyvgg

    sitekit.require_service_worker(site)
    root = tmp_path / "site"
    shutil.copytree(site, root)
    classes = [f"own class {i}" for i in range(10)]
    (root / "models").mkdir()
    save_native(tinyvgg(class_names=classes, rng=5), root / "models" / "own.npz")
    shown = "els => els.map(e => e.textContent)"
    with sitekit.serve_dir(root) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = sitekit.open_app(watched, "?model=models/own.npz")
            assert page.eval_on_selector_all(".ov-out .ov-cls", shown) == classes
            sitekit.wait_service_worker(page)
            page.wait_for_function("""async () => {
                const own = await caches.open('own-models-cnn-explainer');
                return (await own.keys()).some((r) => r.url.endsWith('/models/own.npz'));
            }""", timeout=30_000)

            watched.context.set_offline(True)
            page.reload()
            sitekit.wait_mark(page, "app:interactive")
            assert page.eval_on_selector_all(".ov-out .ov-cls", shown) == classes
            assert "could not be used" not in sitekit.messages(page)
            # kept apart from the build cache, which a new build replaces
            names = page.evaluate("caches.keys()")
            assert "own-models-cnn-explainer" in names
            assert watched.console_errors == [] and watched.outside_requests == []
        finally:
            watched.context.close()
