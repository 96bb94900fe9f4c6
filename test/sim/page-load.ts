/**
 * What the service worker and the page do with one visit, on simulated time: the navigation
 * from the origin (no bridge yet), the page's other files through the real scheduler
 * (downloadChunks, page-bridge/swarm-download.ts) once this page's bridge has settled, the
 * origin for whatever the peers do not deliver, and then the fill-in of the rest of the site in
 * the real fill order (page-bridge/fill-in.ts).
 *
 * The SW side is a shell here (sw/file-download.ts uses Response and real timers): a file's
 * chunks are asked of the bridge with the SW's deadline (peerBudgetMs); chunks the scheduler
 * hands to the origin (rendezvous) are fetched at once, and when the session ends the missing
 * ones are fetched in one request. Its head-of-line watchdog (the origin racing a late first
 * chunk) is left out. Every chunk a page gets is counted; a corrupt one would be a served bad chunk.
 */
import { chunkRange, peerBudgetMs, type ManifestFile, type Source } from '../../core/index.js';
import { fillOrder } from '../../page-bridge/fill-in.js';
import { downloadChunks, type DownloadHandle } from '../../page-bridge/swarm-download.js';
import { fileChunks, isCorrupt, simCrypto } from './site.js';
import type { Visitor } from './visitor.js';

/** Files the fill-in fetches at once, and its idle wait per file (fill-in.ts, setTimeout fallback). */
const FILL_CONCURRENCY = 2;
const FILL_IDLE_MS = 50;

/** Why the origin served bytes (Metrics.originBy). */
export type OriginReason = 'navigation' | 'bootstrap' | 'no-peer-session' | 'rendezvous' | 'after-peers';

/** Bytes `bytes` from the origin to this visitor; resolves when they are in, false if it left meanwhile. */
async function fromOrigin(v: Visitor, bytes: number, reason: OriginReason): Promise<boolean> {
  const { clock, origin, settings, metrics } = v.world;
  const oneWay = (v.profile.rttMs + settings.originRttMs) / 2;
  const at = clock.now() + oneWay;
  const sent = origin.pass(at, bytes);
  const arrival = Math.max(sent + oneWay, v.profile.down.pass(at + oneWay, bytes));
  metrics.originRequests++;
  metrics.originBy[reason] = (metrics.originBy[reason] ?? 0) + bytes;
  await clock.sleep(arrival - clock.now());
  // The origin sent them whether or not the visitor is still there; for one that is, land() counts them.
  if (!v.online) metrics.bytes('origin', bytes);
  return v.online;
}

type ChunkSource = Exclude<Source, 'cache'>;

/** Bytes one visit got, by source. */
export type Tally = Record<Source, number>;

/** One file as the SW gets it, its bytes added to `tally`; false when the visitor left meanwhile. */
export async function fetchFile(v: Visitor, path: string, peerEligible: boolean, tally: Tally = { cache: 0, peer: 0, origin: 0 }): Promise<boolean> {
  const { clock, settings, site, metrics } = v.world;
  const file = site.manifest.files[path]!;
  const startedAt = clock.now();
  if (v.cached.has(file.sha256)) {
    metrics.bytes('cache', file.size);
    metrics.fileLoad('cache', 0);
    tally.cache += file.size;
    return true;
  }
  const chunks = fileChunks(file);
  const got: Array<ChunkSource | undefined> = new Array<ChunkSource | undefined>(chunks.length);
  const size = (i: number) => {
    const r = chunkRange(i, file.size, site.manifest.chunkSize);
    return r.end - r.start;
  };
  const land = (i: number, source: ChunkSource) => {
    if (got[i] !== undefined || !v.online) return;
    got[i] = source;
    metrics.bytes(source, size(i));
    tally[source] += size(i);
    if (chunks.length > 1) v.holdings.holdChunks(file.sha256, [i]); // stored: onStored → chunks-held
  };
  const origin = async (indices: readonly number[], reason: OriginReason) => {
    const wanted = indices.filter((i) => got[i] === undefined);
    if (wanted.length === 0) return;
    if (await fromOrigin(v, wanted.reduce((s, i) => s + size(i), 0), reason)) for (const i of wanted) land(i, 'origin');
  };
  let peerSession = false;
  if (peerEligible && settings.maxPeers > 0) {
    const deadline = clock.now() + peerBudgetMs(settings, file.size);
    await v.waitBridge(deadline);
    peerSession = v.state === 'ready' && clock.now() < deadline;
    if (peerSession) await fromPeers(v, file, deadline, land, (indices) => origin(indices, 'rendezvous'));
  }
  if (!v.online) return false;
  await origin(
    chunks.map((_, i) => i),
    !peerEligible ? 'navigation' : peerSession ? 'after-peers' : 'no-peer-session',
  );
  if (!v.online) return false;
  v.cache(file.sha256);
  const peer = got.filter((s) => s === 'peer').length;
  metrics.fileLoad(peer * 2 >= chunks.length ? 'peer' : 'origin', clock.now() - startedAt);
  return true;
}

/** The peer session of one file (PeerMesh.fetchChunks → downloadChunks), origin hand-offs included. */
async function fromPeers(
  v: Visitor,
  file: ManifestFile,
  deadline: number,
  land: (i: number, source: ChunkSource) => void,
  origin: (indices: readonly number[]) => Promise<void>,
): Promise<void> {
  const { clock, settings, metrics } = v.world;
  const chunks = fileChunks(file);
  const { holdings, id } = v;
  const sha256 = file.sha256;
  if (chunks.length > 1) holdings.holdChunks(sha256, []); // this visitor downloads the file now: say so
  const handed: Array<Promise<void>> = [];
  let handle: DownloadHandle | undefined;
  handle = downloadChunks({
    target: { sha256, size: file.size, chunkSize: v.world.site.manifest.chunkSize, chunks, want: chunks.map((_, i) => i) },
    links: () => v.openLinks(),
    scores: v.scores,
    crypto: simCrypto,
    idleMs: settings.peerTimeoutMs,
    deadline,
    onChunk: (index, parts) => {
      if (parts.some(isCorrupt)) metrics.badServed++;
      land(index, 'peer');
    },
    onBadChunk: (link) => {
      metrics.badRejected++;
      v.ban(link.peerId);
    },
    signal: v.leaving.signal,
    now: () => clock.now(),
    timers: clock.timers,
    holdings: {
      holds: (peerId, index) => holdings.holds(peerId, sha256, index),
      downloaders: () => holdings.downloaders(sha256),
      self: () => id,
      onChange: (listener) => holdings.onLinkChange(listener),
    },
    ...(chunks.length > 1 && {
      onOrigin: (indices: readonly number[]) => {
        handed.push(origin(indices).then(() => handle?.drop(indices)));
      },
    }),
  });
  await handle.result;
  await Promise.all(handed);
}

/** One visit: the page, then (when the site fills in) the rest of the site in idle time. */
export async function visit(v: Visitor): Promise<void> {
  const { clock, site, settings, metrics } = v.world;
  const [navigation, ...subresources] = site.page;
  const startedAt = clock.now();
  const tally: Tally = { cache: 0, peer: 0, origin: 0 };
  const firstTime = v.cached.size === 0;
  if (!(await fetchFile(v, navigation!, false, tally))) return void metrics.abandoned++;
  // A first visit gets the page script, the SW and the manifest from the origin (invariants 1, 4).
  if (firstTime && site.bootstrapBytes > 0) {
    if (!(await fromOrigin(v, site.bootstrapBytes, 'bootstrap'))) return void metrics.abandoned++;
    metrics.bytes('origin', site.bootstrapBytes);
  }
  const bridge = v.startBridge();
  const done = await Promise.all(subresources.map((path) => fetchFile(v, path, true, tally)));
  if (!v.online || done.includes(false)) return void metrics.abandoned++;
  metrics.pageLoad(mainSource(tally), clock.now() - startedAt, tally.cache + tally.peer + tally.origin);
  if (!settings.fill) return;
  await bridge; // settled: the fill order knows the linked peers
  const missing = fillOrder(site.manifest, v.id, [...v.links.keys()]).filter((p) => !v.cached.has(site.manifest.files[p]!.sha256));
  const worker = async () => {
    for (let path = missing.shift(); path !== undefined && v.online; path = missing.shift()) {
      await clock.sleep(FILL_IDLE_MS);
      if (v.online) await fetchFile(v, path, true);
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  if (v.online) metrics.filled++;
}

/** Where most of a page's bytes came from. */
function mainSource(tally: Tally): Source {
  if (tally.cache >= tally.peer && tally.cache >= tally.origin) return 'cache';
  return tally.peer >= tally.origin ? 'peer' : 'origin';
}
