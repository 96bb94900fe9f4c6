/**
 * deploynet.js: the page script. `deploynet build` prepends `var __DEPLOYNET_CONFIG__ = {...}`.
 * Registers the service worker, and while this page is open holds the peer connections that
 * answer the SW's requests and seed this visitor's verified content to others.
 */
import {
  CACHED_HEADER,
  CONTENT_CACHE,
  FILL_PARAM,
  REGION,
  contentCacheKey,
  errorMessage,
  failureDetail,
  isDeployNetError,
  parseEnvelope,
  parseManifest,
  resolveSiteConfig,
  supportsEd25519,
  webCrypto,
  type BridgeState,
  type DeployNetStats,
  type Manifest,
  type PeerFetchEnd,
  type SwStatus,
} from '../core/index.js';
import { cacheContentProvider } from './content-provider.js';
import { Holdings } from './holdings.js';
import { idbStoredChunks } from './stored-chunks.js';
import { fillIn, type FillInProgress } from './fill-in.js';
import { registerServiceWorker, workerOwner } from './first-visit.js';
import { engageKillSwitch } from './kill-switch.js';
import { expose } from './page-api.js';
import { pageTotals } from './page-stats.js';
import { PeerMesh } from './peer-mesh.js';
import { relayProgress } from './progress-events.js';
import { watchForUpdates } from './updates.js';
import { announce, onChunksHeld, requestStatus, servePeerFetches, type PeerFetchAnswer } from './sw-link.js';

declare const __DEPLOYNET_CONFIG__: unknown;

// First thing: `?deploynet=off`, an earlier one in this tab, or a kill-switch build (kill-switch.ts).
const killSwitch = engageKillSwitch(window);

const STATUS_TIMEOUT_MS = 3000;

const config = resolveSiteConfig(__DEPLOYNET_CONFIG__);
const script = document.querySelector<HTMLScriptElement>('script[src$="deploynet.js"]');
const container: ServiceWorkerContainer | undefined = 'serviceWorker' in navigator ? navigator.serviceWorker : undefined;
const crypto = webCrypto(window.crypto.subtle);

let state: BridgeState = 'connecting';
let mesh: PeerMesh | null = null;
let status: SwStatus | null = null;
let settle: () => void = () => undefined;
const fill: FillInProgress = { state: 'waiting', total: 0, done: 0, failed: 0 };
const ready = new Promise<void>((resolve) => (settle = resolve));

function saveData(): boolean {
  return (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData === true;
}

function uploadAllowed(): boolean {
  return config.upload && script?.dataset.upload !== 'off' && !saveData();
}

/** The page's region hint (data-region on the script tag) wins over the site's; a malformed one is ignored. */
function regionHint(): string | null {
  const given = script?.dataset.region;
  if (given === undefined || given === '') return config.region;
  if (REGION.test(given)) return given;
  console.warn('[deploynet] data-region must be 1 to 32 characters of a-z, 0-9 and -; ignored');
  return config.region;
}

function setState(next: BridgeState): void {
  state = next;
  if (container) announce(container, next);
  if (next !== 'connecting') settle();
}

const answer: PeerFetchAnswer = async (request, sink, signal, onDrop) => {
  const end = (code: PeerFetchEnd['code'], detail?: string): PeerFetchEnd =>
    detail === undefined ? { type: 'peer-fetch-end', v: 1, code } : { type: 'peer-fetch-end', v: 1, code, detail: failureDetail(detail) };
  if (!mesh) return end('NO_BRIDGE', 'this page has no peer connections');
  const download = mesh.fetchChunks(
    request,
    Date.now() + request.deadlineMs,
    (index, parts, peerId) => sink.chunk(index, parts, peerId),
    (n) => sink.progress(n),
    (indices) => sink.origin(indices),
    signal,
  );
  onDrop(download.drop);
  const result = await download.result;
  return result.code === null ? end(null) : end(result.code, `${result.missing.length} of ${request.want.length} chunks missing: ${result.detail}`);
};

async function stats(): Promise<DeployNetStats> {
  if (container?.controller) status = await requestStatus(container, STATUS_TIMEOUT_MS).catch(() => status);
  const { bytes, requests } = pageTotals(performance);
  return {
    bytes,
    requests,
    peers: mesh?.peerCount ?? 0,
    peersAnnounced: mesh?.announcedCount ?? 0,
    uploadedBytes: mesh?.counters.uploadedBytes ?? 0,
    manifestVersion: status?.manifestVersion ?? null,
    pageManifestVersion: status?.pageVersion ?? null,
    manifestError: status?.manifestError ?? null,
    state,
    peerFaults: mesh?.counters.peerFaults ?? 0,
    bannedPeers: mesh?.bannedCount ?? 0,
    peerId: mesh?.peerId ?? null,
    fill: { ...fill },
  };
}

async function start(sw: ServiceWorkerContainer): Promise<void> {
  announce(sw, 'connecting');
  servePeerFetches(sw, answer);
  relayProgress(window, sw);
  watchForUpdates(window, sw, () => status?.pageVersion ?? null);
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // storage blocked: no first-visit reload
  }
  const mode = script?.dataset.firstVisit === 'none' ? 'none' : config.firstVisit;
  if (!sw.controller && workerOwner() === 'deploynet' && !(await supportsEd25519(window.crypto?.subtle))) {
    console.info('[deploynet] this browser cannot verify Ed25519 signatures; the site loads from the origin');
    fill.state = 'off';
    return setState('off');
  }
  const registration = await registerServiceWorker(sw, mode, storage, () => location.reload(), () => window.stop(), workerOwner());
  if (registration === 'reloading') return; // this page is going away; the next one settles
  if (registration === 'unavailable') return setState('off');
  announce(sw, 'connecting');
  status = await requestStatus(sw, STATUS_TIMEOUT_MS);
  if (status.envelope === null) {
    fill.state = 'off';
    return setState('off');
  }
  const manifest = parseManifest(JSON.parse(parseEnvelope(status.envelope).manifest));
  const leaving = new AbortController();
  window.addEventListener('pagehide', () => leaving.abort(), { once: true });
  if (config.signal !== null && config.maxPeers > 0) {
    const holdings = new Holdings(manifest);
    onChunksHeld(sw, (held) => (held.chunks === null ? holdings.holdWhole(held.sha256) : holdings.holdChunks(held.sha256, held.chunks)));
    const stored = idbStoredChunks((sha256, indices) => holdings.selfHolds(sha256, indices));
    const peers = new PeerMesh({
      config: { ...config, signal: config.signal, region: regionHint() },
      manifest,
      crypto,
      provider: cacheContentProvider(caches, location.origin, manifest, { chunks: stored, crypto }),
      uploadAllowed,
      onState: setState,
      holdings,
      holdingsReady: scanCache(manifest, holdings),
    });
    mesh = peers;
    peers.start();
    // Leave the swarm at once when the page goes away, so nobody dials a peer that is gone.
    leaving.signal.addEventListener('abort', () => peers.stop());
  } else {
    setState('off');
  }
  void startFillIn(manifest, leaving.signal);
}

/** This visitor's whole files: every listed hash found in the content cache. Never rejects. */
async function scanCache(manifest: Manifest, holdings: Holdings): Promise<void> {
  try {
    const content = await caches.open(CONTENT_CACHE);
    for (const sha256 of new Set(Object.values(manifest.files).map((f) => f.sha256))) {
      if (await content.match(contentCacheKey(location.origin, sha256))) holdings.holdWhole(sha256);
    }
  } catch (error) {
    console.warn('[deploynet] could not read the cache; announcing what is known so far:', errorMessage(error));
  }
}

/** After the page has loaded and the bridge has settled, fetch the rest of the site in idle time. */
async function startFillIn(manifest: Manifest, signal: AbortSignal): Promise<void> {
  if (saveData() || script?.dataset.fill === 'off') {
    fill.state = 'off';
    return;
  }
  if (document.readyState !== 'complete') await new Promise((r) => window.addEventListener('load', r, { once: true }));
  await ready;
  const content = await caches.open(CONTENT_CACHE);
  await fillIn(
    {
      manifest,
      signal,
      has: async (sha256) => (await content.match(contentCacheKey(location.origin, sha256))) !== undefined,
      fetchPath: async (path) => {
        const response = await fetch(`${path}?${FILL_PARAM}=1`, { signal });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        return response.headers.get(CACHED_HEADER) !== 'false';
      },
      members: () => ({ self: mesh?.peerId ?? null, peers: mesh?.linkedPeerIds ?? [] }),
      idle: () => new Promise((resolve) => ('requestIdleCallback' in window ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : setTimeout(resolve, 50))),
    },
    fill,
  );
}

expose(window, { stats, ready });
if (killSwitch === 'reloading') {
  // the page is being replaced by its URL without ?deploynet=off
} else if (container && killSwitch === 'on') {
  start(container).catch((error: unknown) => {
    console.warn('[deploynet] bridge off:', errorMessage(error));
    setState('off');
  });
} else {
  setState('off');
}
