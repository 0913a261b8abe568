// Glue: marks the moment the pre-rendered overview (static HTML drawn at build time) has been
// painted, before Python starts. Loaded right after that markup by a classic script tag.
// (not on a page that www/lang.js is leaving for another language's)
if (!document.documentElement.dataset.langLeaving) requestAnimationFrame(() => requestAnimationFrame(() => {
  if (document.getElementById("ov-tool")) performance.mark("app:first-overview-paint");
}));
