// The service worker: offline after the first visit, one build at a time.
//
// - install: fetch build-manifest.json (bypassing every cache) and precache exactly the files it
//   lists, each checked against its sha256 (Subresource Integrity), into a cache named after this
//   build. A failed or mismatching download fails the install: no half or mixed cache is ever used.
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

function hexToBase64(hex) {
  let binary = "";
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

function keyOf(url) {
  const u = new URL(url, SCOPE);
  return u.origin + u.pathname;
}

async function precache() {
  const response = await fetch(new URL(MANIFEST, SCOPE), { cache: "no-store" });
  if (!response.ok) throw new Error(`${MANIFEST}: HTTP ${response.status}`);
  const manifest = await response.clone().json();
  if (!BUILD_ID.startsWith("__") && manifest.build_id && manifest.build_id !== BUILD_ID) {
    throw new Error(`${MANIFEST} is from build ${manifest.build_id}, this worker from ${BUILD_ID}`);
  }
  const cache = await caches.open(CACHE);
  const paths = Object.keys(manifest.files);
  let next = 0;
  async function worker() {
    while (next < paths.length) {
      const path = paths[next++];
      const url = new URL(path, SCOPE);
      const entry = manifest.files[path];
      const got = await fetch(url, { cache: "no-store", integrity: "sha256-" + hexToBase64(entry.sha256) });
      if (!got.ok) throw new Error(`${path}: HTTP ${got.status}`);
      await cache.put(keyOf(url), got);
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await cache.put(keyOf(new URL(MANIFEST, SCOPE)), response);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(async (error) => {
    await caches.delete(CACHE);  // never keep a partial cache
    throw error;
  }));
});

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
