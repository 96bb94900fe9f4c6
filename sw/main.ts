/**
 * deploynet-sw.js: the service worker entry. `deploynet build` prepends
 * `var __DEPLOYNET_CONFIG__ = {...}` (the site config with the public key: the trust root).
 */
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { BRIDGE_PROTOCOL, parsePageToSw, resolveSiteConfig, webCrypto, type SwStatus } from '../core/index.js';
import { createAssetHandler } from './asset-handler.js';
import { BridgeRegistry } from './bridge-registry.js';
import { ContentCache } from './content-cache.js';
import { ManifestStore } from './manifest-store.js';
import { idbTrustStore } from './trust-store.js';
import { KillSwitch } from './kill-switch.js';
import { isCandidate, routeFor } from './route-decision.js';

declare const self: ServiceWorkerGlobalScope;
declare const __DEPLOYNET_CONFIG__: unknown;

/** How long a page's subresources wait for its bridge script to announce itself. */
const HELLO_WAIT_MS = 1000;

const config = resolveSiteConfig(__DEPLOYNET_CONFIG__);
const crypto = webCrypto(self.crypto.subtle);
const origin = self.location.origin;
const fetchFn: typeof fetch = (input, init) => self.fetch(input, init);
const manifests = new ManifestStore({ config, crypto, trust: idbTrustStore(), fetch: fetchFn, origin, now: () => Date.now() });
const content = new ContentCache({
  caches: self.caches,
  origin,
  listed: () => new Set(Object.values(manifests.manifest?.manifest.files ?? {}).map((f) => f.sha256)),
  now: () => Date.now(),
  writable: () => !killSwitch.engaged,
});
const bridges = new BridgeRegistry(self.clients, HELLO_WAIT_MS);
const handle = createAssetHandler({ config, crypto, manifests, content, bridges, fetch: fetchFn });
const killSwitch = new KillSwitch({ caches: self.caches, unregister: () => self.registration.unregister() });

void manifests.ready();

self.addEventListener('install', (event) => {
  event.waitUntil(manifests.refresh());
  void self.skipWaiting();
});
clientsClaim();

self.addEventListener('message', (event) => {
  const source = event.source;
  if (!(source instanceof Client)) return;
  let message;
  try {
    message = parsePageToSw(event.data);
  } catch {
    return;
  }
  switch (message.type) {
    case 'bridge-state':
      bridges.setState(source.id, message.state);
      return;
    case 'status-request': {
      const port = event.ports[0];
      if (!port) return;
      event.waitUntil(
        manifests.ready().then(() => {
          const current = manifests.manifest;
          const status: SwStatus = {
            type: 'status',
            v: BRIDGE_PROTOCOL,
            manifestVersion: current ? current.manifest.version : null,
            manifestError: manifests.error,
            envelope: current ? current.envelopeText : null,
          };
          port.postMessage(status);
        }),
      );
      return;
    }
  }
});

registerRoute(
  ({ request, url, event }) => {
    // `?deploynet=off` navigations go to the origin and retire this worker (sw/kill-switch.ts).
    if (killSwitch.passThrough({ mode: request.mode, url: url.href, origin }, (work) => event.waitUntil(work))) return false;
    const facts = {
      method: request.method,
      url: url.href,
      origin,
      hasAuthorization: request.headers.has('authorization'),
      hasRange: request.headers.has('range'),
    };
    if (!isCandidate(facts)) return false;
    const current = manifests.manifest;
    if (current) return routeFor(current.manifest, url) !== undefined;
    // Until the stored manifest is loaded, take the request and decide in the handler.
    return !manifests.settled;
  },
  ({ request, url, event }) => {
    // A navigation's clientId (when set) is the page that started it, which is going away.
    const fetchEvent = event as FetchEvent;
    const clientId = request.mode === 'navigate' ? undefined : fetchEvent.clientId || undefined;
    return handle({ request, url, clientId, waitUntil: (work) => fetchEvent.waitUntil(work) });
  },
);
