// The service worker: offline after the first visit, one build at a time.
//
// - install: fetch build-manifest.json (bypassing every cache) and precache exactly the files it
//   lists, each checked against its sha256 (Subresource Integrity), into a cache named after this
//   build. Files come from the HTTP cache when the first load already fetched them (SRI proves
//   they are this build's); a stale or missing one is fetched again (revalidated). A failed or
//   mismatching download fails the install: no half or mixed cache is ever used. A failed
//   install is recorded: the page is told once, and the same build is not tried again for a
//   while (10 minutes, doubling up to a day) instead of downloading everything on every visit.
// - heal (the page asks once it is up, when online): files missing from this build's cache are
//   fetched again, so the next offline visit works; the page is told if the cache is complete
//   ("Available offline").
// - fetch: cache-first for the build's files (the query string is ignored: `?model=...` pages and
//   the like get the same index.html). A teacher's own model (`?model=models/mine.npz`, or a TF.js
//   model.json and its .bin shards) is fetched network-first and kept in a second cache, which
//   survives new builds, so a kiosk that opened it once keeps it offline. On the very first visit
//   this worker does not control the page yet, so the page also posts {type: "keep", urls} once
//   the worker is ready. Anything else goes to the network as usual.
// - a new build has a new BUILD_ID, so this file's bytes change and the browser installs the new
//   worker beside the old one. It waits until the page accepts ("a new version is ready —
//   reload", see boot.js), which posts {type: "skip-waiting"}; on activation the old caches are
//   deleted.
//
// build.py replaces the BUILD_ID placeholder with the build's id (also in build-manifest.json).

const BUILD_ID = "__BUILD_ID__";
const PREFIX = "cnn-explainer-";
const CACHE = PREFIX + BUILD_ID;
const MANIFEST = "build-manifest.json";
const SCOPE = new URL("./", self.location.href);
const INDEX = new URL("index.html", SCOPE).href;
const PARALLEL = 4;
const OWN_MODELS = "own-models-cnn-explainer";  // not PREFIX: activation keeps it
const MODEL_FILE = /\.(npz|json|bin)$/i;
const STATE = "update-state-cnn-explainer";  // not PREFIX: failed-install records
const FAILED = new URL("__failed-install__", SCOPE).href;
const BACKOFF_MS = 10 * 60 * 1000;
const BACKOFF_MAX_MS = 24 * 60 * 60 * 1000;

function hexToBase64(hex) {
  let binary = "";
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

function keyOf(url) {
  const u = new URL(url, SCOPE);
  return u.origin + u.pathname;
}

// Where the HTTP cache may hold the build's file `url` from the page's own load: under its
// address; the default page as "./"; a page under an open page's query (the HTTP cache keys
// include it: `index.ja.html?lang=ja`, and `index.html?lang=ja`, the page www/lang.js left
// for it, the query kept). `opened`: the open pages' addresses.
function cachedAs(url, opened) {
  const pages = url.href === INDEX ? [url, SCOPE] : [url];
  const found = pages.map((page) => page.href);
  if (url.pathname.endsWith(".html")) {
    for (const href of opened) {
      const search = new URL(href).search;
      if (search) found.push(...pages.map((page) => page.origin + page.pathname + search));
    }
  }
  return [...new Set(found)];
}

// One file of the build, checked by SRI: from the HTTP cache when it holds it (the page's own
// load; "only-if-cached": a miss costs no download), else (or if that copy is stale)
// revalidated with the server.
async function fetchChecked(path, sha256, opened = []) {
  const url = new URL(path, SCOPE);
  const integrity = "sha256-" + hexToBase64(sha256);
  let got = null;
  for (const candidate of cachedAs(url, opened)) {
    try {
      got = await fetch(candidate, { cache: "only-if-cached", mode: "same-origin", integrity });
      if (got.ok) break;
    } catch (_) {
      got = null;  // an SRI mismatch (a stale copy): ask the server
    }
  }
  if (!got || !got.ok) {
    try {
      got = await fetch(url, { cache: "no-cache", integrity });
    } catch (error) {
      // SRI turns an HTTP error into a bare "Failed to fetch": say which file and why
      const head = await fetch(url, { method: "HEAD", cache: "no-store" }).catch(() => null);
      if (!head) throw new Error(`${path}: the server could not be reached`);
      throw new Error(head.ok ? `${path} does not match this build` : `${path}: HTTP ${head.status}`);
    }
  }
  if (!got.ok) throw new Error(`${path}: HTTP ${got.status}`);
  return got;
}

async function fetchAll(cache, manifest, paths) {
  let next = 0;
  let failed = null;
  const opened = (await self.clients.matchAll({ type: "window", includeUncontrolled: true }))
    .map((client) => client.url);
  async function worker() {
    while (next < paths.length && !failed) {
      const path = paths[next++];
      try {
        const got = await fetchChecked(path, manifest.files[path].sha256, opened);
        await cache.put(keyOf(new URL(path, SCOPE)), got);
      } catch (error) {
        failed = failed || error;  // the other workers stop too: no point fetching the rest
      }
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (failed) throw failed;
}

async function readFailure() {
  const hit = await caches.match(FAILED, { cacheName: STATE });  // (opening would create it)
  return hit ? hit.json() : null;
}

async function recordFailure(error) {
  const last = await readFailure();
  const tries = last && last.build === BUILD_ID ? last.tries + 1 : 1;
  const record = { build: BUILD_ID, at: Date.now(), tries, reason: String(error.message || error),
                   told: false };
  await (await caches.open(STATE)).put(FAILED, new Response(JSON.stringify(record)));
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    client.postMessage({ type: "update-status-changed" });
  }
}

async function precache() {
  const last = await readFailure();
  if (last && last.build === BUILD_ID) {
    const wait = Math.min(BACKOFF_MS * 2 ** (last.tries - 1), BACKOFF_MAX_MS);
    if (Date.now() - last.at < wait) {
      throw new Error(`build ${BUILD_ID} failed to install ${last.tries}x; next try later`);
    }
  }
  const response = await fetch(new URL(MANIFEST, SCOPE), { cache: "no-store" });
  if (!response.ok) throw new Error(`${MANIFEST}: HTTP ${response.status}`);
  const manifest = await response.clone().json();
  if (!BUILD_ID.startsWith("__") && manifest.build_id && manifest.build_id !== BUILD_ID) {
    throw new Error(`${MANIFEST} is from build ${manifest.build_id}, this worker from ${BUILD_ID}`);
  }
  const cache = await caches.open(CACHE);
  await fetchAll(cache, manifest, Object.keys(manifest.files));
  await cache.put(keyOf(new URL(MANIFEST, SCOPE)), response);
  await caches.delete(STATE);  // installed: no failure to remember
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(async (error) => {
    await caches.delete(CACHE);  // never keep a partial cache
    if (!/next try later$/.test(error.message || "")) await recordFailure(error);
    throw error;
  }));
});

// The page is up: refetch what this build's cache lost (a user or the browser may evict
// entries), then say whether it is complete.
let healing = null;
async function heal(online) {
  const cache = await caches.open(CACHE);
  const manifestKey = keyOf(new URL(MANIFEST, SCOPE));
  let stored = await cache.match(manifestKey);
  if (!stored && online) {
    const fresh = await fetch(new URL(MANIFEST, SCOPE), { cache: "no-store" });
    const copy = fresh.ok ? await fresh.clone().json() : null;
    if (copy && copy.build_id === BUILD_ID) {
      await cache.put(manifestKey, fresh);
      stored = await cache.match(manifestKey);
    }
  }
  if (!stored) return false;
  const manifest = await stored.json();
  const have = new Set((await cache.keys()).map((request) => request.url));
  const missing = Object.keys(manifest.files).filter((path) => !have.has(keyOf(new URL(path, SCOPE))));
  if (missing.length && online) await fetchAll(cache, manifest, missing);
  return !missing.length || online;
}

async function tellStatus(client) {
  const last = await readFailure();
  if (!last || last.told || last.build === BUILD_ID) return;
  last.told = true;  // said once; later visits stay quiet while it backs off
  await (await caches.open(STATE)).put(FAILED, new Response(JSON.stringify(last)));
  client.postMessage({ type: "update-failed", reason: last.reason });
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "keep") event.waitUntil(keep(event.data.urls || []));
  if (event.data && event.data.type === "build-id") event.source?.postMessage({ type: "build-id", id: BUILD_ID, cache: CACHE });
  if (event.data && event.data.type === "update-status" && event.source) {
    event.waitUntil(tellStatus(event.source));
  }
  if (event.data && event.data.type === "heal" && event.source) {
    const client = event.source;
    healing = healing || heal(!!event.data.online).finally(() => { healing = null; });
    event.waitUntil(healing.then(
      (complete) => client.postMessage({ type: "offline-ready", complete }),
      (error) => {
        console.warn("could not refetch the missing files:", error);
        client.postMessage({ type: "offline-ready", complete: false });
      }));
  }
});

async function keep(urls) {
  const own = await caches.open(OWN_MODELS);
  for (const href of urls) {
    const url = new URL(href, SCOPE);
    if (url.origin !== SCOPE.origin || !MODEL_FILE.test(url.pathname)) continue;
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (response.ok) await own.put(url.href, response);
    } catch (error) {
      console.warn(`could not keep ${url.href} for offline use:`, error);
    }
  }
}

async function networkFirst(request) {
  const own = await caches.open(OWN_MODELS);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await own.put(request.url, response.clone());
    return response;
  } catch (error) {
    const kept = await own.match(request.url);
    if (kept) return kept;
    throw error;
  }
}

async function respond(request) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  const key = request.mode === "navigate" && (url.pathname === SCOPE.pathname)
    ? INDEX : keyOf(url);
  const hit = await cache.match(key);
  if (hit) return hit;
  return MODEL_FILE.test(url.pathname) ? networkFirst(request) : fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  event.respondWith(respond(request));
});
