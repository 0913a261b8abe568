// Puts the visitor's language in place before the first paint (a classic script right after
// the <template>s the build wrote, one per language other than the default). The default
// language's body is replaced by the chosen template's; its pictures are the default body's
// (the build wrote "data:,png-N" for the N-th distinct PNG data URI, in document order, so the
// bytes travel once). Then marks app:first-overview-paint, as www/first-paint.js does.
(() => {
  const root = document.documentElement;
  const code = root.dataset.langSwap;
  try {
    const tpl = code && document.querySelector(`template[data-lang="${code}"]`);
    if (!tpl) return;
    const uris = [];
    const seen = new Set();
    const png = /data:image\/png;base64,[A-Za-z0-9+/=]+/g;
    const first = document.querySelector("body > template[data-lang]");
    for (let node = document.body.firstElementChild; node && node !== first;
      node = node.nextElementSibling) {
      for (const el of [node, ...node.querySelectorAll("[src], [style]")]) {
        for (const attr of el.attributes) {
          for (const uri of attr.value.match(png) || []) {
            if (!seen.has(uri)) { seen.add(uri); uris.push(uri); }
          }
        }
      }
    }
    const body = tpl.content.cloneNode(true);
    for (const el of body.querySelectorAll("[src*='data:,png-'], [style*='data:,png-']")) {
      for (const name of ["src", "style"]) {
        const value = el.getAttribute(name);
        if (value && value.includes("data:,png-")) {
          el.setAttribute(name, value.replace(/data:,png-(\d+)/g, (_, i) => uris[Number(i)] || ""));
        }
      }
    }
    while (document.body.firstChild && document.body.firstChild !== first) {
      document.body.firstChild.remove();
    }
    document.body.insertBefore(body, first);
    if (tpl.dataset.title) document.title = tpl.dataset.title;
    const description = document.querySelector('meta[name="description"]');
    if (description && tpl.dataset.description) description.content = tpl.dataset.description;
  } finally {
    delete root.dataset.langSwap;  // shown, whatever happened
  }
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (document.getElementById("ov-tool")) performance.mark("app:first-overview-paint");
  }));
})();
