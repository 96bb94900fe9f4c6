/** The page API's figures: `await window.deploynet.stats()` (design: "In the page"). */
export type Source = 'cache' | 'peer' | 'origin';
export const SOURCES: readonly Source[] = ['cache', 'peer', 'origin'];

export interface DeployNetStats {
  /** Body bytes of this page's responses by where the service worker got them. */
  readonly bytes: Readonly<Record<Source, number>>;
  readonly requests: Readonly<Record<Source, number>>;
  /** Open peer connections. */
  readonly peers: number;
  /** Bytes this visitor has sent to peers since the page loaded. */
  readonly uploadedBytes: number;
  /** Version of the manifest in force, or null when none is (passthrough). */
  readonly manifestVersion: number | null;
  /** Why no manifest is in force, when none is. */
  readonly manifestError: string | null;
  /** Bridge state as the SW sees it. */
  readonly state: string;
  /** Peer answers refused (bad bytes, wrong size) and peers banned for this session. */
  readonly peerFaults: number;
  readonly bannedPeers: number;
  readonly peerId: string | null;
}

/** Parses a Server-Timing description set by the SW back into a source. */
export function parseSource(value: string): Source | undefined {
  return SOURCES.find((s) => s === value);
}

export const SOURCE_HEADER = 'x-deploynet-source';

export function serverTimingValue(source: Source, durationMs: number): string {
  return `deploynet;desc="${source}";dur=${durationMs.toFixed(1)}`;
}
