/**
 * The strategy for a manifest-listed asset: Cache Storage, then peers and the origin chunk by
 * chunk (file-download.ts: peers first, the origin for what they do not deliver in time). Every
 * chunk is verified against the manifest before it reaches a Response or the cache (invariant 2);
 * every failure ends at the origin (7). A whole-file answer streams in order as chunks arrive. A
 * Range request of an uncached file gets only the chunks the range falls in (kept in the partial
 * store for the next request, not cached); of a cached file, range-response.ts cuts it.
 * `x-deploynet-source` names where the first chunk came from (headers go out before the rest).
 * A download that stops half-way leaves its verified chunks in the partial store, and the next
 * one resumes from them; once the file is in Cache Storage they are deleted.
 */
import {
  CACHED_HEADER,
  FETCH_PROGRESS_EVERY_MS,
  FILL_PARAM,
  PEER_FAILURE_HEADER,
  chunkCount,
  chunkHashes,
  fileHeaders,
  partsHasher,
  peerBudgetMs,
  planRange,
  type CryptoProvider,
  type PartialRange,
  type ProgressDetail,
  type WorkerConfig,
  type Source,
} from '../core/index.js';
import type { BridgeRegistry } from './bridge-registry.js';
import type { ContentCache } from './content-cache.js';
import type { ManifestStore } from './manifest-store.js';
import type { PartialStore } from './partial-store.js';
import { FileDownload, OriginMismatch } from './file-download.js';
import { assetResponse, unverifiedOriginResponse } from './respond.js';
import { partialResponse, rangeResponse, requestedRange, type WholeFile } from './range-response.js';
import { routeFor } from './route-decision.js';

export interface AssetHandlerDeps {
  readonly config: WorkerConfig;
  readonly crypto: CryptoProvider;
  readonly manifests: ManifestStore;
  /** The manifest version the page `clientId` was loaded under (version-pins.ts). */
  readonly pinnedVersion: (clientId: string | undefined) => Promise<number | undefined>;
  /** A navigation is about to create page `resultingClientId` under manifest `version`. */
  readonly onNavigation: (resultingClientId: string, version: number) => void;
  readonly content: ContentCache;
  /** Verified chunks of files still downloading, so a reload resumes (partial-store.ts). */
  readonly partials: PartialStore;
  readonly bridges: BridgeRegistry;
  readonly fetch: typeof fetch;
  /** Tells page `clientId` how a download of a listed file is going (deploynet:progress). */
  readonly progress: (clientId: string, detail: ProgressDetail) => void;
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


export function createAssetHandler(deps: AssetHandlerDeps): (req: AssetRequest) => Promise<Response> {
  // One for every download: its scratch buffers stay warm between files.
  const hash = partsHasher(deps.crypto);
  return async ({ request, url, clientId, resultingClientId, waitUntil }) => {
    const startedAt = performance.now();
    await deps.manifests.ready();
    // A page gets the files of the version it was loaded under; a navigation, the newest.
    const verified = deps.manifests.manifestFor(await deps.pinnedVersion(clientId));
    const route = verified ? routeFor(verified.manifest, url) : undefined;
    if (verified && resultingClientId) deps.onNavigation(resultingClientId, verified.manifest.version);
    if (!verified || !route) return deps.fetch(request);
    const { file } = route;
    // Signed with the manifest, so every answer for this file carries them whoever sent the bytes.
    const signed = fileHeaders(verified.manifest, file);
    const range = requestedRange(request.headers);
    const answer = (whole: WholeFile, source: Source) => rangeResponse(range, whole, file, signed, source, startedAt);
    const isFill = url.searchParams.has(FILL_PARAM);
    // Progress goes to the page that asked (not to navigations, not to the bridge's own fill-in).
    const report = clientId && !isFill && range === null ? progressReporter((detail) => deps.progress(clientId, detail), url.href, file.size) : undefined;
    const cached = await deps.content.get(file);
    if (cached) {
      report?.(file.size, { cache: file.size, peer: 0, origin: 0 });
      return answer(cached, 'cache');
    }

    // A Range this SW can answer (one satisfiable range) of a file of several chunks: only the
    // chunks it needs are fetched (a media element seeking in a large file), not the whole file.
    const plan = planRange(range, file.size);
    // 416 needs no bytes: the SW answers it itself (hence `cache`: nothing was fetched).
    if (plan.kind === 'unsatisfiable') return answer(new Response(), 'cache');
    const chunkSize = verified.manifest.chunkSize;
    const span = plan.kind === 'partial' && !isFill ? chunkSpan(plan, chunkSize) : undefined;
    const partOnly = span !== undefined && (span.first > 0 || span.last < chunkCount(file.size, chunkSize) - 1);
    const peersAllowed = route.peerEligible && deps.config.signal !== null && deps.config.maxPeers > 0;
    const originFetch = (start: number, end: number, signal?: AbortSignal) => {
      // A fresh request: no credentials; a Range only for part of the file.
      const whole = start === 0 && end === file.size;
      return deps.fetch(url.href, { credentials: 'omit', cache: 'no-cache', redirect: 'follow', ...(signal && { signal }), ...(!whole && { headers: { range: `bytes=${start}-${end - 1}` } }) });
    };
    const deadline = Date.now() + peerBudgetMs(deps.config, file.size);
    const download = new FileDownload({
      file,
      chunkSize,
      crypto: deps.crypto,
      hash,
      peers: peersAllowed
        ? (want, handlers) => deps.bridges.open({ path: route.path, sha256: file.sha256, size: file.size, chunkSize, chunks: chunkHashes(file), want }, clientId, deadline, handlers)
        : null,
      origin: originFetch,
      patienceMs: (bytes) => peerBudgetMs(deps.config, bytes),
      ...(report && { onProgress: report }),
      partials: deps.partials,
      // Stored chunks can be served to peers: the bridges announce them (HAVE_CHUNKS).
      ...(peersAllowed && { onStored: (index: number) => deps.bridges.held(file.sha256, [index]) }),
      ...(partOnly && { span }),
    });
    // Chunks it stores must land even when the download fails: that is what the next one resumes from.
    waitUntil(download.settled);
    let source: Source;
    try {
      source = await download.start();
    } catch (error) {
      download.abort();
      if (!(error instanceof OriginMismatch)) throw error; // the origin is unreachable: a network error, as without DeployNet
      // The origin's bytes do not match the manifest (a deploy in progress?), or it answered an
      // error: pass its answer on as it is, never cached.
      const response = await originFetch(0, file.size);
      if (!response.ok) return response;
      return unverifiedOriginResponse(await response.arrayBuffer(), response, signed, startedAt);
    }
    const peerFailure = download.peerFailure;
    const withFailure = (response: Response) => {
      if (source === 'origin' && peerFailure !== null) response.headers.set(PEER_FAILURE_HEADER, peerFailure);
      return response;
    };
    if (partOnly && plan.kind === 'partial') {
      // Not cached: Cache Storage holds whole files. The chunks stay in the partial store, so the
      // next request of this file (another range, the whole file, the fill-in) starts from them.
      return withFailure(partialResponse(await download.slice(plan.first, plan.last + 1), plan, file, signed, source, startedAt));
    }
    // Once cached, the bridges announce the file. Its stored chunks go once it is cached, or was
    // refused (then they would only hold the space the cache was denied). The cache reads the
    // verified chunks as they are, streamed (no joined copy of the whole file).
    const cache = async (evict: boolean): Promise<boolean> => {
      await download.whenComplete();
      const stored = await deps.content.put(file, () => download.stream(), { evict });
      if (stored) deps.bridges.held(file.sha256, null);
      waitUntil(download.dropStored());
      return stored;
    };
    if (isFill) {
      // The bridge's background fill-in must not push out what the visitor used: it never evicts,
      // and it is told whether the bytes were kept so it can stop when storage is full.
      const stored = await cache(false);
      const response = await answer(new Response(download.stream()), source);
      response.headers.set(CACHED_HEADER, String(stored));
      return withFailure(response);
    }
    waitUntil(cache(true).catch(() => undefined));
    if (range !== null) return withFailure(await answer(new Response(download.stream()), source));
    return withFailure(assetResponse(download.stream(), file, signed, source, startedAt));
  };
}

/** Reports a download's progress at most every FETCH_PROGRESS_EVERY_MS, and always when complete. */
function progressReporter(send: (detail: ProgressDetail) => void, url: string, total: number): (loaded: number, bytes: Readonly<Record<Source, number>>) => void {
  let last = -Infinity;
  return (loaded, bytes) => {
    const now = performance.now();
    if (loaded < total && now - last < FETCH_PROGRESS_EVERY_MS) return;
    last = now;
    send({ url, loaded, total, bytes: { ...bytes } });
  };
}

/** The chunks a byte range falls in. */
function chunkSpan(range: PartialRange, chunkSize: number): { first: number; last: number } {
  return { first: Math.floor(range.first / chunkSize), last: Math.floor(range.last / chunkSize) };
}
