// Glue: marks the moment the pre-rendered overview (static HTML drawn at build time) has been
// painted, before Python starts. Loaded right after that markup by a classic script tag.
// (with another language than the default, www/lang-swap.js marks it once that is in place)
if (!document.documentElement.dataset.langSwap) requestAnimationFrame(() => requestAnimationFrame(() => {
  if (document.getElementById("ov-tool")) performance.mark("app:first-overview-paint");
}));
