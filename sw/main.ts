/**
 * deploynet-sw.js: DeployNet's own service worker (the standalone mode). `deploynet build`
 * prepends `var __DEPLOYNET_CONFIG__ = {...}` (the site config with the public key: the trust
 * root). Everything but the lifecycle is deploynet-worker.ts, shared with the library a site's own
 * worker imports (embed.ts): this worker takes over at once, claims the pages, and routes every
 * request DeployNet wants through it.
 */
// The modules themselves rather than the packages' index files: those also evaluate Workbox's
// cache-name defaults, which a bundler must keep (they read the global `registration`).
import { clientsClaim } from 'workbox-core/clientsClaim.js';
import { Route } from 'workbox-routing/Route.js';
import { Router } from 'workbox-routing/Router.js';
import { resolveWorkerConfig } from '../core/index.js';
import { startDeployNetWorker } from './deploynet-worker.js';

declare const self: ServiceWorkerGlobalScope;
declare const __DEPLOYNET_CONFIG__: unknown;

const worker = startDeployNetWorker({ config: resolveWorkerConfig(__DEPLOYNET_CONFIG__), ownsRegistration: true });

self.addEventListener('install', () => void self.skipWaiting());
clientsClaim();

// A Router of our own rather than registerRoute(): the default router also listens for Workbox's
// CACHE_URLS messages, and registerRoute() carries string and RegExp captures; DeployNet's one
// route needs neither, and the worker is smaller without them.
// `?deploynet=off` navigations go to the origin and retire this worker (sw/kill-switch.ts).
const router = new Router();
router.registerRoute(
  new Route(
    ({ request, url, event }) => worker.wants({ request, url, event }),
    ({ request, url, event }) => worker.handle({ request, url, event }),
  ),
);
router.addFetchListener();
