/** The page API's figures: `await window.deploynet.stats()` (design: "In the page"). */
export type Source = 'cache' | 'peer' | 'origin';
export const SOURCES: readonly Source[] = ['cache', 'peer', 'origin'];

export interface DeployNetStats {
  /** Body bytes of this page's responses by where the service worker got them. */
  readonly bytes: Readonly<Record<Source, number>>;
  readonly requests: Readonly<Record<Source, number>>;
  /** Open peer connections. */
  readonly peers: number;
  /** Of those, the ones whose holdings (HAVE) have arrived: only these are asked for what they announced. */
  readonly peersAnnounced: number;
  /** Bytes this visitor has sent to peers since the page loaded. */
  readonly uploadedBytes: number;
  /** Version of the manifest in force, or null when none is (passthrough). */
  readonly manifestVersion: number | null;
  /** Version this page was loaded under: its files all come from it, even after a deploy. */
  readonly pageManifestVersion: number | null;
  /** Why no manifest is in force, when none is. */
  readonly manifestError: string | null;
  /** Bridge state as the SW sees it. */
  readonly state: string;
  /** Peer answers refused (bad bytes, wrong size) and peers banned for this session. */
  readonly peerFaults: number;
  readonly bannedPeers: number;
  readonly peerId: string | null;
  /** Background fill-in of the rest of the manifest (seeding, offline): see page-bridge/fill-in.ts. */
  readonly fill: { readonly state: FillState; readonly total: number; readonly done: number; readonly failed: number };
}

/**
 * `detail` of the `deploynet:progress` event on window: one listed file this page asked for,
 * while its bytes arrive (at most every FETCH_PROGRESS_EVERY_MS) and once complete (loaded = total).
 * `bytes` says where the loaded bytes came from; for a file taken from several sources this is
 * the exact split (the response's x-deploynet-source names the first chunk's source only).
 */
export interface ProgressDetail {
  /** The request's absolute URL. */
  readonly url: string;
  readonly loaded: number;
  readonly total: number;
  readonly bytes: Readonly<Record<Source, number>>;
}

export const PROGRESS_EVENT = 'deploynet:progress';

/** `full`: stopped because the SW could not keep what it fetched (storage quota). */
export type FillState = 'waiting' | 'running' | 'done' | 'full' | 'off';

/** On the SW's answers to fill-in requests: whether it kept the bytes in its cache. */
export const CACHED_HEADER = 'x-deploynet-cached';

/** Query parameter that marks the bridge's own fill-in requests (not counted as the page's). */
export const FILL_PARAM = 'deploynet-fill';

/** Parses a Server-Timing description set by the SW back into a source. */
export function parseSource(value: string): Source | undefined {
  return SOURCES.find((s) => s === value);
}

export const SOURCE_HEADER = 'x-deploynet-source';
/** On an origin answer after peers were asked: why they did not answer (an ErrorCode, e.g. NO_BRIDGE). */
export const PEER_FAILURE_HEADER = 'x-deploynet-peer-failure';

export function serverTimingValue(source: Source, durationMs: number): string {
  return `deploynet;desc="${source}";dur=${durationMs.toFixed(1)}`;
}
