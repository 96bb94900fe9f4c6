/**
 * deploynet-sw.js: the service worker entry. `deploynet build` prepends
 * `var __DEPLOYNET_CONFIG__ = {...}` (the site config with the public key: the trust root).
 */
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { BRIDGE_PROTOCOL, parsePageToSw, resolveSiteConfig, webCrypto, type FetchProgress, type ManifestUpdated, type SwStatus } from '../core/index.js';
import { createAssetHandler } from './asset-handler.js';
import { BridgeRegistry } from './bridge-registry.js';
import { ContentCache } from './content-cache.js';
import { ManifestStore } from './manifest-store.js';
import { idbPartialStore } from './partial-store.js';
import { idbTrustStore } from './trust-store.js';
import { VersionPins, idbPinStore } from './version-pins.js';
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
const pins = new VersionPins(idbPinStore());
const content = new ContentCache({
  caches: self.caches,
  origin,
  listed: () => manifests.hashesInUse(),
  now: () => Date.now(),
  writable: () => !killSwitch.engaged,
});
const partials = idbPartialStore({ writable: () => !killSwitch.engaged });
const bridges = new BridgeRegistry(self.clients, HELLO_WAIT_MS, config.peerTimeoutMs);
const handle = createAssetHandler({
  config,
  crypto,
  manifests,
  content,
  partials,
  bridges,
  fetch: fetchFn,
  progress: (clientId, detail) => {
    const message: FetchProgress = { type: 'fetch-progress', v: BRIDGE_PROTOCOL, ...detail };
    void self.clients.get(clientId).then((client) => client?.postMessage(message));
  },
  pinnedVersion: async (clientId) => (await pins.ready(), pins.versionOf(clientId)),
  onNavigation: (resultingClientId, version) => void pins.pin(resultingClientId, version),
});
const killSwitch = new KillSwitch({ caches: self.caches, unregister: () => self.registration.unregister() });

void manifests.ready();
void pins.ready();

/**
 * After a deploy: forget pages that are gone, keep only the manifests open pages still use, drop
 * cached files no kept manifest lists, and tell every page when a newer manifest is in force.
 * Stored chunks of partly downloaded files go too when no kept manifest lists the file, or when
 * it is cached already (a download that ended between caching the file and dropping its chunks).
 */
let cleanedFor = '';
async function settleVersions(announce: boolean): Promise<void> {
  await Promise.all([manifests.ready(), pins.ready()]);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const inUse = await pins.prune(new Set(windows.map((c) => c.id)));
  await manifests.retain(inUse);
  const current = manifests.manifest;
  if (!current) return;
  const kept = [current.manifest.version, ...inUse].sort().join(',');
  if (kept !== cleanedFor) {
    cleanedFor = kept;
    const listed = manifests.hashesInUse();
    await content.retainOnly(listed);
    const cached = await content.hashes();
    await partials
      .retainOnly(new Set([...listed].filter((sha256) => !cached.has(sha256))))
      .catch((error: unknown) => console.warn('[deploynet] could not clean the stored chunks', error));
  }
  if (!announce) return;
  const message: ManifestUpdated = { type: 'manifest-updated', v: BRIDGE_PROTOCOL, version: current.manifest.version };
  for (const client of windows) client.postMessage(message);
}

let lastSettled = 0;
let pendingSettle: Promise<void> | null = null;
/** When pages come and go (a bridge announcing itself), at most every 2 s: let old versions go. */
function settleSoon(waitUntil: (work: Promise<unknown>) => void): void {
  if (pendingSettle) return;
  const delay = Math.max(0, lastSettled + 2000 - Date.now());
  pendingSettle = new Promise<void>((resolve) => setTimeout(resolve, delay))
    .then(() => {
      lastSettled = Date.now();
      return settleVersions(false);
    })
    .finally(() => (pendingSettle = null));
  waitUntil(pendingSettle);
}

self.addEventListener('install', (event) => {
  event.waitUntil(manifests.refresh());
  void self.skipWaiting();
});
clientsClaim();
self.addEventListener('activate', (event) => {
  lastSettled = Date.now();
  event.waitUntil(settleVersions(true));
});

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
      settleSoon((work) => event.waitUntil(work));
      return;
    case 'status-request': {
      const port = event.ports[0];
      if (!port) return;
      event.waitUntil(
        Promise.all([manifests.ready(), pins.ready()]).then(() => {
          const current = manifests.manifest;
          const status: SwStatus = {
            type: 'status',
            v: BRIDGE_PROTOCOL,
            manifestVersion: current ? current.manifest.version : null,
            pageVersion: manifests.manifestFor(pins.versionOf(source.id))?.manifest.version ?? null,
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
    // It drops the stored chunks of partial downloads too: they are cached bytes like the rest.
    const retire = (work: Promise<unknown>) => event.waitUntil(Promise.all([work, partials.retainOnly(new Set()).catch(() => 0)]));
    if (killSwitch.passThrough({ mode: request.mode, url: url.href, origin }, retire)) return false;
    const facts = {
      method: request.method,
      url: url.href,
      origin,
      hasAuthorization: request.headers.has('authorization'),
    };
    if (!isCandidate(facts)) return false;
    const clientId = request.mode === 'navigate' ? undefined : (event as FetchEvent).clientId || undefined;
    const current = manifests.manifestFor(pins.versionOf(clientId));
    if (current) return routeFor(current.manifest, url) !== undefined;
    // Until the stored manifest is loaded, take the request and decide in the handler.
    return !manifests.settled;
  },
  ({ request, url, event }) => {
    // A navigation's clientId (when set) is the page that started it, which is going away.
    const fetchEvent = event as FetchEvent;
    const navigation = request.mode === 'navigate';
    const clientId = navigation ? undefined : fetchEvent.clientId || undefined;
    const waitUntil = (work: Promise<unknown>) => fetchEvent.waitUntil(work);
    return handle({ request, url, clientId, resultingClientId: navigation ? fetchEvent.resultingClientId || undefined : undefined, waitUntil });
  },
);
