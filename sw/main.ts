/**
 * deploynet-sw.js: DeployNet's own service worker (the standalone mode). `deploynet build`
 * prepends `var __DEPLOYNET_CONFIG__ = {...}` (the site config with the public key: the trust
 * root). Everything but the lifecycle is deploynet-worker.ts, shared with the library a site's own
 * worker imports (embed.ts): this worker takes over at once, claims the pages, and routes every
 * request DeployNet wants through it.
 */
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { resolveSiteConfig } from '../core/index.js';
import { startDeployNetWorker } from './deploynet-worker.js';

declare const self: ServiceWorkerGlobalScope;
declare const __DEPLOYNET_CONFIG__: unknown;

const worker = startDeployNetWorker({ config: resolveSiteConfig(__DEPLOYNET_CONFIG__), ownsRegistration: true });

self.addEventListener('install', () => void self.skipWaiting());
clientsClaim();

// `?deploynet=off` navigations go to the origin and retire this worker (sw/kill-switch.ts).
registerRoute(
  ({ request, url, event }) => worker.wants({ request, url, event }),
  ({ request, url, event }) => worker.handle({ request, url, event }),
);
