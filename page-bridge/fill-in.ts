/**
 * Seeding and offline: once the page is idle, fetch every manifest file this visitor does not hold
 * yet, through the service worker (so peers first, the origin last, every byte verified and cached).
 * Polite: a small concurrency cap, one idle period per file, nothing under Save-Data, and it stops
 * when the page goes away. Pages come first (offline navigation), then the rest, smallest first.
 */
import type { FillState, Manifest } from '../core/index.js';

export interface FillInDeps {
  readonly manifest: Manifest;
  /** True when the verified bytes of this file are already in the cache. */
  has(sha256: string): Promise<boolean>;
  /**
   * Fetches a path through the service worker; resolves, once the body has been read, whether
   * the SW kept it (false when storage is full: the fill then stops).
   */
  fetchPath(path: string): Promise<boolean>;
  /** Resolves when the browser is idle (requestIdleCallback or a timer). */
  idle(): Promise<void>;
  readonly signal: AbortSignal;
}

export interface FillInProgress {
  state: FillState;
  total: number;
  done: number;
  failed: number;
}

const CONCURRENCY = 2;
const isPage = (path: string) => /\.html?$/i.test(path);

/** The order in which missing files are fetched: pages first, then by size, then by path. */
export function fillOrder(manifest: Manifest): string[] {
  return Object.entries(manifest.files)
    .sort(([pa, a], [pb, b]) => Number(isPage(pb)) - Number(isPage(pa)) || a.size - b.size || (pa < pb ? -1 : 1))
    .map(([path]) => path);
}

export async function fillIn(deps: FillInDeps, progress: FillInProgress): Promise<void> {
  const missing: string[] = [];
  for (const path of fillOrder(deps.manifest)) {
    if (!(await deps.has(deps.manifest.files[path]!.sha256))) missing.push(path);
  }
  progress.total = missing.length;
  progress.state = 'running';
  const worker = async () => {
    for (let path = missing.shift(); path !== undefined && !deps.signal.aborted; path = missing.shift()) {
      await deps.idle();
      if (deps.signal.aborted) return;
      try {
        if (!(await deps.fetchPath(path))) {
          progress.state = 'full';
          missing.length = 0; // storage is full: fetching more would only waste bandwidth
          return;
        }
        progress.done++;
      } catch {
        progress.failed++; // the next visit tries again; a fill never breaks the page
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (!deps.signal.aborted && progress.state === 'running') progress.state = 'done';
}
