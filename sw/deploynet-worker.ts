/**
 * DeployNet inside a service worker, whoever owns the worker: the shared core of deploynet-sw.js
 * (sw/main.ts, DeployNet's own worker) and deploynet-sw-lib.js (sw/embed.ts, imported by a site's
 * own worker). It loads and verifies the manifest (install), settles versions and cleans
 * DeployNet's own cache after a deploy (activate, and as pages come and go), answers the page
 * bridges' messages, and decides and answers requests. What differs between the two is left to
 * the entry: the lifecycle (skipWaiting, clientsClaim), how requests reach {@link DeployNetWorker.handle},
 * and whether the kill switch may unregister the worker (only when it is DeployNet's own).
 *
 * Only DeployNet's own storage is ever touched: its content cache (`deploynet-…`) and its
 * IndexedDB database; a site's Workbox caches are not DeployNet's to clean.
 */
import { BRIDGE_PROTOCOL, parsePageToSw, webCrypto, type FetchProgress, type ManifestUpdated, type SwStatus, type WorkerConfig } from '../core/index.js';
import { createAssetHandler } from './asset-handler.js';
import { BridgeRegistry } from './bridge-registry.js';
import { ContentCache } from './content-cache.js';
import { KillSwitch } from './kill-switch.js';
import { ManifestStore } from './manifest-store.js';
import { idbPartialStore } from './partial-store.js';
import { isCandidate, routeFor } from './route-decision.js';
import { idbTrustStore } from './trust-store.js';
import { VersionPins, idbPinStore } from './version-pins.js';

declare const self: ServiceWorkerGlobalScope;

/** How long a page's subresources wait for its bridge script to announce itself. */
const HELLO_WAIT_MS = 1000;

export interface WorkerOptions {
  readonly config: WorkerConfig;
  /**
   * True for DeployNet's own worker: `?deploynet=off` unregisters it. False inside a site's
   * worker: the switch turns DeployNet's part off (caches cleared, requests passed through) and
   * leaves the site's worker registered.
   */
  readonly ownsRegistration: boolean;
}

/** What a route gets from workbox-routing: the request, its URL, and the event (a FetchEvent for page requests). */
export interface RouteFacts {
  readonly request: Request;
  readonly url: URL;
  readonly event: ExtendableEvent | undefined;
}

export interface DeployNetWorker {
  /**
   * The kill switch (sw/kill-switch.ts): true when this request must pass DeployNet by, either
   * because it is a `?deploynet=off` navigation (which turns the switch, keeping the event alive
   * for the teardown) or because the switch has turned already.
   */
  passThrough(facts: RouteFacts): boolean;
  /**
   * Synchronous (a workbox-routing match callback): true when DeployNet answers this request, a
   * manifest-listed, same-origin GET without credentials of its own. Until the stored manifest has
   * been read after a worker start it says yes, and {@link handle} decides.
   */
  wants(facts: RouteFacts): boolean;
  /** Resolves once the stored manifest and the pages' version pins are loaded: then wants() is final. */
  ready(): Promise<void>;
  /** Answers a request wants() took: cache, peers, origin, every byte verified; unlisted ones from the network. */
  handle(facts: RouteFacts): Promise<Response>;
}

/** Adds DeployNet's install, activate and message listeners to this worker; call it during the worker's first evaluation. */
export function startDeployNetWorker({ config, ownsRegistration }: WorkerOptions): DeployNetWorker {
  const crypto = webCrypto(self.crypto.subtle);
  const origin = self.location.origin;
  const fetchFn: typeof fetch = (input, init) => self.fetch(input, init);
  const killSwitch = new KillSwitch({
    caches: self.caches,
    unregister: ownsRegistration ? () => self.registration.unregister() : async () => false,
  });
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
  const answer = createAssetHandler({
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

  /** The stored manifest and the pages' version pins, loaded (each is read once per worker start). */
  const loaded = (): Promise<void> => Promise.all([manifests.ready(), pins.ready()]).then(() => undefined);
  void loaded();

  /**
   * After a deploy: forget pages that are gone, keep only the manifests open pages still use, drop
   * cached files no kept manifest lists, and tell every page when a newer manifest is in force.
   * Stored chunks of partly downloaded files go too when no kept manifest lists the file, or when
   * it is cached already (a download that ended between caching the file and dropping its chunks).
   */
  let cleanedFor = '';
  async function settleVersions(announce: boolean): Promise<void> {
    await loaded();
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

  self.addEventListener('install', (event) => event.waitUntil(manifests.refresh()));
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
      return; // not DeployNet's (a site's own worker has messages of its own)
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
          loaded().then(() => {
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

  const fetchEventOf = (event: ExtendableEvent | undefined): FetchEvent | undefined => (event instanceof FetchEvent ? event : undefined);
  // A navigation's clientId (when set) is the page that started it, which is going away.
  const clientOf = (request: Request, event: FetchEvent | undefined): string | undefined =>
    request.mode === 'navigate' ? undefined : event?.clientId || undefined;

  const passThrough = ({ request, url, event }: RouteFacts): boolean => {
    // It drops the stored chunks of partial downloads too: they are cached bytes like the rest.
    const retire = (work: Promise<unknown>) => event?.waitUntil(Promise.all([work, partials.retainOnly(new Set()).catch(() => 0)]));
    return killSwitch.passThrough({ mode: request.mode, url: url.href, origin }, retire);
  };

  return {
    passThrough,
    wants(facts) {
      if (passThrough(facts)) return false;
      const { request, url } = facts;
      if (!isCandidate({ method: request.method, url: url.href, origin, hasAuthorization: request.headers.has('authorization') })) return false;
      const current = manifests.manifestFor(pins.versionOf(clientOf(request, fetchEventOf(facts.event))));
      if (current) return routeFor(current.manifest, url) !== undefined;
      // Until the stored manifest is loaded, take the request and decide in the handler.
      return !manifests.settled;
    },
    ready: loaded,
    handle({ request, url, event }) {
      const fetchEvent = fetchEventOf(event);
      const navigation = request.mode === 'navigate';
      return answer({
        request,
        url,
        clientId: clientOf(request, fetchEvent),
        resultingClientId: navigation ? fetchEvent?.resultingClientId || undefined : undefined,
        waitUntil: (work) => (event ? event.waitUntil(work) : void work.catch(() => undefined)),
      });
    },
  };
}
