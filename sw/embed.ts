/**
 * deploynet-sw-lib.js: DeployNet for a site that has a service worker of its own (Workbox or
 * hand-written). `deploynet build --sw-mode embed` writes it with the site's config prepended
 * (`var __DEPLOYNET_CONFIG__ = {...}`, the trust root) instead of deploynet-sw.js; the site's
 * worker loads it and routes the requests it chooses through DeployNet:
 *
 *     importScripts('/deploynet-sw-lib.js');          // classic worker (`import` in a module one)
 *     const deploynet = self.deploynet.setup();        // before the site's own routes
 *     registerRoute(({ request }) => request.destination === 'image', deploynet.handler);
 *
 * Why a file the worker loads from the origin rather than a module bundled into it: the public key
 * then always comes from the origin (invariant 1), and its bytes change with every deploy (the
 * manifest version is in its first line), so the browser's update check, which compares imported
 * scripts too, installs the site's worker again and it accepts the new manifest.
 *
 * The site keeps its lifecycle: DeployNet calls neither skipWaiting nor clients.claim here.
 */
import { FILL_PARAM, clearDeployNetCaches, resolveWorkerConfig } from '../core/index.js';
import { startDeployNetWorker, type DeployNetWorker } from './deploynet-worker.js';
import { callHandler, facts, routesOf, type DeployNetRoutes, type RouteHandler, type RouteOptions } from './embed-routes.js';
import { idbPartialStore } from './partial-store.js';

declare const self: ServiceWorkerGlobalScope & { deploynet?: DeployNetLibrary };

declare const __DEPLOYNET_CONFIG__: unknown;
declare const __DEPLOYNET_OFF__: unknown;

export type { DeployNetRoutes, RouteHandler, RouteOptions };

/** `self.deploynet` once deploynet-sw-lib.js has run. */
export interface DeployNetLibrary {
  /** Starts DeployNet in this worker (once; later calls return the same routes). Call it while the worker script first runs, before the site's own routes. */
  setup(): DeployNetRoutes;
}

/**
 * DeployNet's own requests: the page script's background fill-in (`?deploynet-fill=1`) of every
 * listed file, which the site's routes know nothing about (their image route would not match a
 * fetch()). They are answered here, ahead of the site's router, whose listener then never sees
 * them. Also watches navigations for `?deploynet=off`, whichever route answers them.
 */
function listenForOwnRequests(worker: DeployNetWorker): void {
  self.addEventListener('fetch', (event) => {
    const request = facts({ request: event.request, event });
    if (worker.passThrough(request) || !request.url.searchParams.has(FILL_PARAM) || !worker.wants(request)) return;
    event.stopImmediatePropagation();
    try {
      event.respondWith(worker.handle(request));
    } catch {
      // a listener added before setup() answered it already: its answer stands
    }
  });
}

/**
 * A kill-switch build (`deploynet build --kill-switch`) prepends `var __DEPLOYNET_OFF__ = true;`:
 * DeployNet then answers nothing, and the next activation of the site's worker deletes its caches
 * and stored chunks. The site's worker and its own caches stay.
 */
function offRoutes(): DeployNetRoutes {
  self.addEventListener('activate', (event) => {
    event.waitUntil(Promise.allSettled([clearDeployNetCaches(self.caches), idbPartialStore({ writable: () => true }).retainOnly(new Set())]));
  });
  const handlerWith = (fallback: RouteHandler) => ({ handle: (options: RouteOptions) => callHandler(fallback, options) });
  return { matches: () => false, handler: handlerWith(network), handlerWith };
}

const network: RouteHandler = ({ request }) => self.fetch(request);

let routes: DeployNetRoutes | undefined;

export const deploynet: DeployNetLibrary = {
  setup() {
    if (routes) return routes;
    if (typeof __DEPLOYNET_OFF__ !== 'undefined' && __DEPLOYNET_OFF__ === true) return (routes = offRoutes());
    const worker = startDeployNetWorker({ config: resolveWorkerConfig(__DEPLOYNET_CONFIG__), ownsRegistration: false });
    listenForOwnRequests(worker);
    return (routes = routesOf(worker, network));
  },
};

self.deploynet = deploynet;
