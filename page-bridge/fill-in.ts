/**
 * Seeding and offline: once the page is idle, fetch every manifest file this visitor does not hold
 * yet, through the service worker (so peers first, the origin last, every byte verified and cached).
 * Polite: a small concurrency cap, one idle period per file, nothing under Save-Data, and it stops
 * when the page goes away. Pages come first (offline navigation), then the files this visitor owns
 * among the swarm members it knows (rendezvous hashing on the file's hash: in a new swarm each
 * visitor fetches different files from the origin first, and the rest later, by then from the
 * peers that own them), then the rest; smallest first within each group.
 */
import { rendezvousOwner, type FillState, type Manifest } from '../core/index.js';

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
  /** This visitor's peer id and its linked peers' ids when the fill starts (empty: plain order). */
  readonly members?: () => { readonly self: string | null; readonly peers: readonly string[] };
}

export interface FillInProgress {
  state: FillState;
  total: number;
  done: number;
  failed: number;
}

const CONCURRENCY = 2;
const isPage = (path: string) => /\.html?$/i.test(path);

/**
 * The order in which missing files are fetched: pages first, then the files `self` owns among
 * `self` and `peers` (rendezvous), then the rest; by size, then by path, within each group.
 */
export function fillOrder(manifest: Manifest, self: string | null = null, peers: readonly string[] = []): string[] {
  const members = self === null ? [] : [self, ...peers];
  const rank = (path: string, sha256: string) => (isPage(path) ? 0 : members.length > 1 && rendezvousOwner(sha256, members) === self ? 1 : 2);
  return Object.entries(manifest.files)
    .map(([path, file]) => ({ path, file, group: rank(path, file.sha256) }))
    .sort((a, b) => a.group - b.group || a.file.size - b.file.size || (a.path < b.path ? -1 : 1))
    .map(({ path }) => path);
}

export async function fillIn(deps: FillInDeps, progress: FillInProgress): Promise<void> {
  const missing: string[] = [];
  const members = deps.members?.() ?? { self: null, peers: [] };
  for (const path of fillOrder(deps.manifest, members.self, members.peers)) {
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
