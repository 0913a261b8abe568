// The page's language, before anything is painted (a classic script, first in <head>;
// JavaScript is glue only). Same rule as pyapp.i18n.choose: ?lang= when the build has that
// language, else the first of the browser's languages that it has, else the default (the first
// listed in <html data-languages>). The build wrote one page per language (pyapp.i18n.page_file:
// index.html in the default one, index.<code>.html in each other one), its <html lang> the
// language it is in; when the choice is another one, this goes to that language's page, the
// query and the fragment kept (replace: no history entry), and the body is not laid out
// meanwhile (style.css).
(() => {
  const root = document.documentElement;
  const known = (root.dataset.languages || "en").split(" ");
  const built = root.lang;
  let code = null;
  try {
    const asked = new URLSearchParams(location.search).get("lang");
    if (known.includes(asked)) code = asked;
  } catch (_) { /* an unreadable query: no choice made here */ }
  if (!code) {
    for (const tag of navigator.languages || [navigator.language || ""]) {
      const primary = String(tag).split("-")[0].toLowerCase();
      if (known.includes(primary)) { code = primary; break; }
    }
  }
  code = code || known[0];
  if (code === built || !known.includes(built)) return;
  root.dataset.langLeaving = code;
  // a page being left fetches nothing it would not use: without its manifest link the browser
  // does not fetch the manifest's icons for it, only again for the page it goes to
  const strip = () => {
    for (const link of document.querySelectorAll('link[rel="manifest"]')) link.remove();
  };
  strip();
  new MutationObserver(strip).observe(root, { childList: true, subtree: true });
  location.replace((code === known[0] ? "index.html" : `index.${code}.html`)
    + location.search + location.hash);
})();
