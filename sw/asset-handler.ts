/**
 * The strategy for a manifest-listed asset: Cache Storage, then the page bridge within the peer
 * deadline, then the origin. Bytes from a peer or the origin are verified against the manifest
 * before they reach a Response or the cache (invariant 2); every failure ends at the origin (7).
 */
import { peerBudgetMs, toHex, type CryptoProvider, type ManifestFile, type SiteConfig } from '../core/index.js';
import type { BridgeRegistry } from './bridge-registry.js';
import type { ContentCache } from './content-cache.js';
import type { ManifestStore } from './manifest-store.js';
import { assetResponse, unverifiedOriginResponse } from './respond.js';
import { routeFor } from './route-decision.js';

export interface AssetHandlerDeps {
  readonly config: SiteConfig;
  readonly crypto: CryptoProvider;
  readonly manifests: ManifestStore;
  readonly content: ContentCache;
  readonly bridges: BridgeRegistry;
  readonly fetch: typeof fetch;
}

export interface AssetRequest {
  readonly request: Request;
  readonly url: URL;
  /** The page that asked, or undefined for a navigation. */
  readonly clientId: string | undefined;
  /** Keeps the SW alive for work that finishes after the response (FetchEvent.waitUntil). */
  readonly waitUntil: (work: Promise<unknown>) => void;
}

export async function matches(bytes: ArrayBuffer, file: ManifestFile, crypto: CryptoProvider): Promise<boolean> {
  if (bytes.byteLength !== file.size) return false;
  return toHex(await crypto.sha256(new Uint8Array(bytes))) === file.sha256;
}

export function createAssetHandler(deps: AssetHandlerDeps): (req: AssetRequest) => Promise<Response> {
  return async ({ request, url, clientId, waitUntil }) => {
    const startedAt = performance.now();
    await deps.manifests.ready();
    const verified = deps.manifests.manifest;
    const route = verified ? routeFor(verified.manifest, url) : undefined;
    if (!route) return deps.fetch(request);
    const { file } = route;

    const cached = await deps.content.get(file);
    if (cached) return assetResponse(cached.body, file, 'cache', startedAt);

    if (route.peerEligible && deps.config.signal !== null && deps.config.maxPeers > 0) {
      const deadline = Date.now() + peerBudgetMs(deps.config, file.size);
      const got = await deps.bridges.fetch({ path: route.path, sha256: file.sha256, size: file.size }, clientId, deadline);
      if ('body' in got) {
        // The bridge verified already; the SW checks again because it is the trust boundary.
        if (await matches(got.body, file, deps.crypto)) {
          waitUntil(deps.content.put(file, got.body));
          return assetResponse(got.body, file, 'peer', startedAt);
        }
        console.warn('[deploynet] bridge returned bytes that do not match', route.path);
      }
    }

    const response = await deps.fetch(url.href, { credentials: 'omit', cache: 'no-cache', redirect: 'follow' });
    if (!response.ok) return response;
    const body = await response.arrayBuffer();
    if (!(await matches(body, file, deps.crypto))) return unverifiedOriginResponse(body, response, startedAt);
    waitUntil(deps.content.put(file, body));
    return assetResponse(body, file, 'origin', startedAt);
  };
}
