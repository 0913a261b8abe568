// The page's language, before anything is painted (a classic script in <head>; JavaScript is
// glue only). Same rule as pyapp.i18n.choose: ?lang= when the build has that language, else
// the first of the browser's languages that it has, else the default (the first listed).
// The build lists its languages in <html data-languages>; www/lang-swap.js then puts that
// language's pre-rendered page in place of the default one.
(() => {
  const root = document.documentElement;
  const known = (root.dataset.languages || "en").split(" ");
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
  root.lang = code;
  if (code !== known[0]) root.dataset.langSwap = code;  // hidden until swapped (style.css)
})();
