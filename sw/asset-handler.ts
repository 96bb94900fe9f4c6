/**
 * The strategy for a manifest-listed asset: Cache Storage, then the page bridge within the peer
 * deadline, then the origin. Bytes from a peer or the origin are verified against the manifest
 * before they reach a Response or the cache (invariant 2); every failure ends at the origin (7).
 * A Range request takes the same path for the whole file (the origin is asked without the Range
 * header), and range-response.ts cuts the answer from the verified whole.
 */
import { CACHED_HEADER, FILL_PARAM, PEER_FAILURE_HEADER, peerBudgetMs, toHex, type CryptoProvider, type ManifestFile, type SiteConfig, type Source } from '../core/index.js';
import type { BridgeRegistry } from './bridge-registry.js';
import type { ContentCache } from './content-cache.js';
import type { ManifestStore } from './manifest-store.js';
import { unverifiedOriginResponse } from './respond.js';
import { rangeResponse, requestedRange, type WholeFile } from './range-response.js';
import { routeFor } from './route-decision.js';

export interface AssetHandlerDeps {
  readonly config: SiteConfig;
  readonly crypto: CryptoProvider;
  readonly manifests: ManifestStore;
  /** The manifest version the page `clientId` was loaded under (version-pins.ts). */
  readonly pinnedVersion: (clientId: string | undefined) => Promise<number | undefined>;
  /** A navigation is about to create page `resultingClientId` under manifest `version`. */
  readonly onNavigation: (resultingClientId: string, version: number) => void;
  readonly content: ContentCache;
  readonly bridges: BridgeRegistry;
  readonly fetch: typeof fetch;
}

export interface AssetRequest {
  readonly request: Request;
  readonly url: URL;
  /** The page that asked, or undefined for a navigation. */
  readonly clientId: string | undefined;
  /** For a navigation: the page it creates. */
  readonly resultingClientId: string | undefined;
  /** Keeps the SW alive for work that finishes after the response (FetchEvent.waitUntil). */
  readonly waitUntil: (work: Promise<unknown>) => void;
}

export async function matches(bytes: ArrayBuffer, file: ManifestFile, crypto: CryptoProvider): Promise<boolean> {
  if (bytes.byteLength !== file.size) return false;
  return toHex(await crypto.sha256(new Uint8Array(bytes))) === file.sha256;
}

export function createAssetHandler(deps: AssetHandlerDeps): (req: AssetRequest) => Promise<Response> {
  return async ({ request, url, clientId, resultingClientId, waitUntil }) => {
    const startedAt = performance.now();
    await deps.manifests.ready();
    // A page gets the files of the version it was loaded under; a navigation, the newest.
    const verified = deps.manifests.manifestFor(await deps.pinnedVersion(clientId));
    const route = verified ? routeFor(verified.manifest, url) : undefined;
    if (verified && resultingClientId) deps.onNavigation(resultingClientId, verified.manifest.version);
    if (!route) return deps.fetch(request);
    const { file } = route;
    const range = requestedRange(request.headers);
    const answer = (whole: WholeFile, source: Source) => rangeResponse(range, whole, file, source, startedAt);
    // The bridge's background fill-in must not push out what the visitor used: it never evicts,
    // and it is told whether the bytes were kept so it can stop when storage is full.
    const isFill = url.searchParams.has(FILL_PARAM);
    // Why the peers did not answer, on origin answers: for people and tests troubleshooting.
    let peerFailure: string | null = null;
    const keep = async (body: ArrayBuffer, source: Source): Promise<Response> => {
      const stored = isFill ? await deps.content.put(file, body, { evict: false }) : null;
      if (!isFill) waitUntil(deps.content.put(file, body, { evict: true }));
      const response = await answer(body, source);
      if (stored !== null) response.headers.set(CACHED_HEADER, String(stored));
      if (peerFailure !== null) response.headers.set(PEER_FAILURE_HEADER, peerFailure);
      return response;
    };

    const cached = await deps.content.get(file);
    if (cached) return answer(cached, 'cache');

    if (route.peerEligible && deps.config.signal !== null && deps.config.maxPeers > 0) {
      const deadline = Date.now() + peerBudgetMs(deps.config, file.size);
      const got = await deps.bridges.fetch({ path: route.path, sha256: file.sha256, size: file.size }, clientId, deadline);
      if ('body' in got) {
        // The bridge verified already; the SW checks again because it is the trust boundary.
        if (await matches(got.body, file, deps.crypto)) return keep(got.body, 'peer');
        console.warn('[deploynet] bridge returned bytes that do not match', route.path);
        peerFailure = 'HASH_MISMATCH';
      } else {
        peerFailure = got.detail === undefined ? got.failed : `${got.failed}; ${got.detail}`;
      }
    }

    // A fresh request: no credentials, no Range (the whole file, so that it can be verified).
    const response = await deps.fetch(url.href, { credentials: 'omit', cache: 'no-cache', redirect: 'follow' });
    if (!response.ok) return response;
    const body = await response.arrayBuffer();
    if (!(await matches(body, file, deps.crypto))) return unverifiedOriginResponse(body, response, startedAt);
    return keep(body, 'origin');
  };
}
