/**
 * Which cached files to drop when the origin's storage quota is full (pure). Files no manifest
 * still served lists go first, then the least recently used; a file never used since the SW
 * started counts as older than any used one. The file being stored is never dropped.
 */
export interface CachedEntry {
  readonly sha256: string;
  readonly size: number;
  /** Epoch ms of the last time this SW served or stored it; undefined when not since it started. */
  readonly lastUsed: number | undefined;
  /** Whether a manifest still served (in force, or kept for open pages) lists this content. */
  readonly listed: boolean;
}

export function planEviction(entries: readonly CachedEntry[], needBytes: number, keep: string): string[] {
  const age = (e: CachedEntry) => e.lastUsed ?? -1;
  const order = entries
    .filter((e) => e.sha256 !== keep)
    .sort((a, b) => Number(a.listed) - Number(b.listed) || age(a) - age(b));
  const drop: string[] = [];
  let freed = 0;
  for (const entry of order) {
    if (freed >= needBytes) break;
    drop.push(entry.sha256);
    freed += entry.size;
  }
  return drop;
}
