/**
 * The kiosk's offline shell (a classic service worker, built to sw.js). It
 * precaches the page, its assets and kiosk.config.json at install; the list
 * is written in at build time (vite.config.ts), so every build is a new
 * version and the old cache is dropped on activation.
 *
 * The page and the config are network-first (an edited config counts at the
 * next start), everything under assets/ is cache-first (the names carry
 * content hashes). Nothing else is touched: the model's bytes go to the
 * weight cache in IndexedDB, not here.
 */

interface Precache {
  version: string;
  /** Paths relative to the service worker's scope; './' is the page. */
  files: string[];
}

// Minimal service-worker shapes: the root tsconfig has the DOM library, not the WebWorker one.
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as ServiceWorkerScope;
/** Replaced with the JSON of a Precache by the build. */
const PRECACHE = JSON.parse('__KIOSK_PRECACHE__') as Precache;
const CACHE = `webseek-kiosk-${PRECACHE.version}`;
const scope = new URL(worker.registration.scope);
const page = scope.href;
const config = new URL('kiosk.config.json', scope).href;
const assets = new URL('assets/', scope).href;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'reload': straight from the server, not from the HTTP cache.
      await cache.addAll(PRECACHE.files.map((file) => new Request(new URL(file, scope), { cache: 'reload' })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('webseek-kiosk-') && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  if (request.mode === 'navigate' && (url.href === page || url.href === `${page}index.html`)) {
    event.respondWith(networkFirst(request, page));
  } else if (url.href === config) {
    event.respondWith(networkFirst(request, config));
  } else if (url.href.startsWith(assets)) {
    event.respondWith(cacheFirst(request));
  }
});

/** The server's answer (kept for next time), or the cached one when the server cannot be reached. */
async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request, { cache: 'no-cache' });
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached ?? fetch(request);
}
