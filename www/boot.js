// Start-up glue (JavaScript is glue only; the app itself is Python).
// - records the `app:shell` User Timing mark once the HTML is painted;
// - shows which start-up stage is running (Python, numpy and Pillow, the app);
// - turns any start-up failure into a plain message instead of a blank or frozen page.
// - keeps a click or Enter on the pre-rendered overview made while Python loads, says so, and
//   replays it once the app is ready (ready() hands the queue over);
// - says "Available offline" once the service worker holds the whole build.
// Python (pyapp/ui/main.py) takes over through window.cnnBoot: setStage(), fail(), ready().
// An `async` module, like PyScript's core.js (the runtime loads while the HTML is parsed): the
// listeners are installed at once, what needs the page's elements once they are parsed.

// Runs fn once the HTML is parsed (at once if it is).
function whenParsed(fn) {
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", fn, { once: true });
  else fn();
}

// The messages in the page's language: www/lang.js set <html lang>, the build wrote every
// language's texts (pyapp/i18n/shell.py BOOT) into #boot-text; the English here is the fallback.
let TEXT = null;  // read once the page is parsed (#boot-text is at its end)
function t(id, english, values = {}) {
  if (TEXT === null && document.readyState !== "loading") {
    try {
      const all = JSON.parse(document.getElementById("boot-text")?.textContent || "{}");
      TEXT = all[document.documentElement.lang] || {};
    } catch (_) {
      TEXT = {};
    }
  }
  return ((TEXT || {})[id] || english)
    .replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

let statusEl = null;  // #status and #status-text, once parsed
let textEl = null;
const STAGES = {  // (read when shown: the page's texts are parsed by then)
  python: () => t("stage_python", "Loading Python\u2026"),
  packages: () => t("stage_packages", "Loading numpy and Pillow\u2026"),
  app: () => t("stage_app", "Starting the app\u2026"),
};
const ORDER = Object.keys(STAGES);
let state = "loading";

function setStage(stage) {
  if (state !== "loading" || !(stage in STAGES)) return;
  if (!statusEl) {
    whenParsed(() => setStage(stage));
    return;
  }
  const index = ORDER.indexOf(stage);
  const current = ORDER.indexOf(statusEl.dataset.stage || "python");
  if (index <= current && statusEl.dataset.stage) return;  // stages only move forward
  statusEl.dataset.stage = stage;
  textEl.textContent = STAGES[stage]();
  for (const li of statusEl.querySelectorAll(".stages li")) {
    const i = ORDER.indexOf(li.dataset.stage);
    li.className = i < index ? "done" : i === index ? "current" : "";
  }
}

const failedFiles = [];  // same-origin files answered with an HTTP error (Resource Timing)
const IMAGE_FILE = /\.(png|jpe?g|gif|webp|svg)$/i;  // a missing picture is no reason to fail

// A short note beside the app (a picture that is missing, input that must wait); a polite live
// region that exists from the start, so screen readers announce what is written into it.
const noteEl = document.createElement("p");
noteEl.id = "boot-note";
noteEl.className = "boot-note";
noteEl.setAttribute("role", "status");
noteEl.hidden = true;

function note(text) {
  noteEl.textContent = text;  // (in the page once parsed)
  noteEl.hidden = !text;
  delete noteEl.dataset.held;
}

function holdNote(text) {  // "still starting": cleared once the held input is replayed
  note(text);
  noteEl.dataset.held = "yes";
}

function plainReason(message) {
  if (failedFiles.length) {
    return t("file_failed", "A file of the app could not be loaded: {files}.",
      { files: failedFiles.join(", ") });
  }
  const lines = String(message || "").split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : t("unknown", "Unknown error.");
}

function fail(message) {
  if (state === "failed") return;
  if (!statusEl) {
    whenParsed(() => fail(message));
    return;
  }
  state = "failed";
  statusEl.dataset.state = "error";
  statusEl.setAttribute("role", "alert");
  textEl.textContent = t("failed", "The app could not start. {reason}",
    { reason: plainReason(message) });
  const help = document.createElement("p");
  help.className = "error-help";
  help.textContent = t("help", "Reload the page to try again. If it keeps failing, the site " +
    "may be incomplete: ask whoever hosts it to rebuild it.");
  const reload = document.createElement("button");
  reload.type = "button";
  reload.textContent = t("reload", "Reload");
  reload.addEventListener("click", () => location.reload());
  help.append(" ", reload);
  statusEl.append(help);
  if (message && String(message).includes("\n")) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = t("details", "Technical details");
    const pre = document.createElement("pre");
    pre.textContent = String(message);
    details.append(summary, pre);
    statusEl.append(details);
  }
  document.getElementById("app")?.setAttribute("aria-busy", "false");
  performance.mark("app:failed");
}

// Input while Python loads: the pre-rendered overview (neurons, gallery thumbnails) is on
// screen seconds before Python listens to it. The last click / Enter / Space on one of them, or
// a file chosen, is held (and the page says so), then replayed when Python calls ready().
const HELD = ".ov-n, .ov-thumb";
let held = null;

function hold(event) {
  if (state !== "loading" || !event.isTrusted) return;
  if (event.type === "change") {
    if (event.target.matches?.("input[type=file]")) held = { type: "change", target: event.target };
    if (held) holdNote(t("hold_file", "Still starting: your image will be shown in a moment."));
    return;
  }
  if (event.type === "drop" || event.type === "dragover") {
    event.preventDefault();  // never let the browser open the dropped file instead
    if (event.type === "drop") holdNote(t("hold_drop", "Still starting: drop the image again in a moment."));
    return;
  }
  const target = event.target.closest?.(HELD);
  if (!target) return;
  if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
  event.preventDefault();
  event.stopPropagation();
  held = { type: event.type, key: event.key, target };
  holdNote(target.matches(".ov-thumb")
    ? t("hold_example", "Still starting: your example will be shown in a moment.")
    : t("hold_click", "Still starting: your click will open it in a moment."));
}
for (const type of ["click", "keydown", "change", "dragover", "drop"]) {
  addEventListener(type, hold, true);
}

function replay() {
  const event = held;
  held = null;
  if (noteEl.dataset.held) note("");
  if (!event) return;
  if (!event.target.isConnected) {
    // Python wrote a new overview (another model): the same neuron by id, else say so
    const again = event.target.id && document.getElementById(event.target.id);
    if (!again) {
      note(t("changed", "The page changed while it was starting: please click again."));
      return;
    }
    event.target = again;
  }
  if (event.type === "keydown") {
    event.target.dispatchEvent(new KeyboardEvent("keydown",
      { key: event.key, bubbles: true, cancelable: true }));
  } else if (event.type === "click") {
    event.target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
  } else {
    event.target.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function ready() {
  if (state !== "loading") return;
  if (!statusEl) {
    whenParsed(ready);
    return;
  }
  state = "ready";
  statusEl.dataset.state = "ready";
  statusEl.hidden = true;
  document.getElementById("app")?.setAttribute("aria-busy", "false");
  setTimeout(replay, 0);  // after Python's `app:interactive`, outside its call into JS
  afterViews(registerServiceWorker);
}

// Runs fn once Python has mounted the later views (`app:views-mounted`) and the page is idle:
// the worker's precache (hashing the whole build) then takes no CPU from the start-up.
const VIEWS_WAIT_MS = 10000;  // views that never say they are mounted: register anyway
function afterViews(fn) {
  let done = false;
  const once = () => { if (!done) { done = true; fn(); } };
  const idle = () => (window.requestIdleCallback
    ? requestIdleCallback(once, { timeout: 2000 }) : setTimeout(once, 0));
  setTimeout(once, VIEWS_WAIT_MS);
  if (performance.getEntriesByName("app:views-mounted").length) {
    idle();
    return;
  }
  try {
    const seen = new PerformanceObserver((list) => {
      if (list.getEntriesByName("app:views-mounted").length) {
        seen.disconnect();
        idle();
      }
    });
    seen.observe({ type: "mark" });
  } catch (_) {
    idle();  // no PerformanceObserver: register now
  }
}

window.cnnBoot = {
  setStage, fail, ready,
  get state() { return state; },
  get held() { return held ? held.type : null; },
};


// PyScript reports "Loading Pyodide", then "Loading files" once the interpreter is up and the
// packages are installed (it then fetches the app archive and runs app/main.py).
addEventListener("py:progress", ({ detail }) => {
  if (detail === "Loading files" || detail === "Loaded Pyodide") setStage("app");
});

// Pyodide fetches the numpy / Pillow wheels while the interpreter starts; once they have
// arrived, what remains before the app is installing them.
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.responseStatus >= 400 && entry.name.startsWith(location.origin) &&
          !IMAGE_FILE.test(new URL(entry.name).pathname)) {
        failedFiles.push(`${entry.name.slice(location.origin.length + 1)} (HTTP ${entry.responseStatus})`);
      }
      if (/\/(numpy|pillow)-[^/]*\.whl$/.test(entry.name)) setStage("packages");
    }
  }).observe({ type: "resource", buffered: true });
} catch (_) { /* no PerformanceObserver: the stage text simply moves on later */ }

// Failures before Python has taken over: a missing file, a failed import, an exception. A
// picture that does not load (say one gallery thumbnail) is only noted: the app works without.
function missingPicture(img) {
  const src = img.getAttribute("src") || "";
  if (!src.startsWith("data:") && !src.startsWith("blob:")) {
    note(t("picture", "A picture could not be loaded ({src}); everything else works. " +
      "Reload the page to try again.", { src }));
  }
}
addEventListener("error", (event) => {
  if (event.target instanceof HTMLImageElement) {
    missingPicture(event.target);
    return;
  }
  if (state === "loading") {
    fail(event.message || t("could_not_load", "Could not load {what}.",
      { what: event.target?.src || event.target?.href || t("a_file", "a file") }));
  }
}, true);
addEventListener("unhandledrejection", (event) => {
  if (state === "loading") fail(event.reason?.message || event.reason);
});
// PyScript shows its own error box for Python exceptions; surface them in the status, too.
addEventListener("py:error", (event) => {
  if (state === "loading") fail(event.detail?.message || t("python_error", "Python raised an exception."));
});

// Watchdog: a start-up that stalls is reported, not left spinning forever.
const STALL_MS = 120000;
setTimeout(() => {
  if (state === "loading") {
    fail(t("stalled", "Start-up did not finish within {seconds} s (stage: {stage}).",
      { seconds: STALL_MS / 1000, stage: statusEl.dataset.stage || "python" }));
  }
}, STALL_MS);

// Service worker (www/sw.js): offline after the first visit. Registered once the app is up and
// its later views are mounted (afterViews), so it never competes with the start-up. A new build
// installs beside the running one and waits; the page then offers "a new version is ready —
// reload" instead of mixing two versions.
function offerUpdate(worker) {
  if (document.getElementById("update-notice")) return;
  const box = document.createElement("div");
  box.id = "update-notice";
  box.className = "update-notice";
  box.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = t("update", "A new version is ready \u2014 reload to use it.");
  const reload = document.createElement("button");
  reload.type = "button";
  reload.id = "update-reload";
  reload.textContent = t("reload", "Reload");
  const later = document.createElement("button");
  later.type = "button";
  later.textContent = t("later", "Later");
  reload.addEventListener("click", () => {
    reload.disabled = true;
    // already active (another tab accepted it): nothing left to wait for but a reload
    if (!worker || worker.state !== "installed") {
      location.reload();
      return;
    }
    swAccepted = true;
    worker.postMessage({ type: "skip-waiting" });
  });
  later.addEventListener("click", () => box.remove());
  // CSSOM, not a style attribute: allowed by the Content Security Policy.
  Object.assign(box.style, {
    position: "fixed", top: "0.75rem", left: "50%", transform: "translateX(-50%)",
    zIndex: "1001", display: "flex", gap: "0.75rem", alignItems: "center",
    padding: "0.5rem 0.75rem", background: "#172a4a", color: "#fff", borderRadius: "0.4rem",
    boxShadow: "0 2px 10px rgba(0, 0, 0, 0.3)",
  });
  box.append(text, reload, later);
  document.body.append(box);
}

let swAccepted = false;

// Another tab accepted an update: this page still runs the old version, so it says it must
// reload (and the notice's Reload button then simply reloads).
function followOtherTab() {
  const box = document.getElementById("update-notice");
  if (box) box.remove();
  offerUpdate(null);
  document.querySelector("#update-notice span").textContent = t("other_tab",
    "This site was updated in another tab \u2014 reload to use the new version.");
}

const offlineEl = document.createElement("p");  // "Available offline", announced politely
offlineEl.id = "offline-state";
offlineEl.className = "offline-state";
offlineEl.setAttribute("role", "status");

function onWorkerMessage({ data }) {
  if (!data) return;
  if (data.type === "offline-ready") {
    offlineEl.textContent = data.complete ? t("offline", "Available offline") : "";
    offlineEl.dataset.state = data.complete ? "ready" : "incomplete";
  } else if (data.type === "update-status-changed") {
    askStatus();
  } else if (data.type === "update-failed") {
    note(t("update_failed", "A new version of this site could not be installed ({reason}). " +
      "This version keeps working; it will try again later.", { reason: data.reason }));
  }
}

let registration = null;
function askStatus() {
  const active = registration && registration.active;
  if (!active) return;
  // heal: the worker refetches what its cache lost (when online), then says if it is complete
  active.postMessage({ type: "heal", online: navigator.onLine });
  active.postMessage({ type: "update-status" });
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const container = navigator.serviceWorker;
  let controlled = !!container.controller;
  container.addEventListener("message", onWorkerMessage);
  container.startMessages();
  container.addEventListener("controllerchange", () => {
    if (swAccepted) location.reload();
    else if (controlled) followOtherTab();
    controlled = true;  // the first visit's worker taking over is no update
  });
  container.register("./sw.js").then((reg) => {
    registration = reg;
    const watch = (worker) => {
      if (!worker) return;
      const check = () => {
        if (worker.state === "installed" && container.controller) offerUpdate(worker);
      };
      check();
      worker.addEventListener("statechange", check);
    };
    watch(reg.waiting);
    watch(reg.installing);
    reg.addEventListener("updatefound", () => watch(reg.installing));
    return container.ready;
  }).then((reg) => {
    registration = reg;
    askStatus();
  }).catch((error) => console.warn("Offline support is unavailable:", error));
}

// The page's own elements, once parsed (last: every const above is initialised).
whenParsed(() => {
  statusEl = document.getElementById("status");
  textEl = document.getElementById("status-text");
  statusEl.after(noteEl);
  document.querySelector(".site-header")?.append(offlineEl);
  // a picture may have failed already
  for (const img of document.images) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) missingPicture(img);
  }
  // HTML painted: the frame after the first one that contains the shell.
  requestAnimationFrame(() => setTimeout(() => performance.mark("app:shell"), 0));
});
