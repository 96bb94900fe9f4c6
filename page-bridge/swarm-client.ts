/**
 * Joins this visitor's swarm on the signal node (core/swarm.ts) and returns peers to dial, best
 * first. With the join goes what this visitor holds (`holds`: the fraction of the manifest's
 * bytes in files it holds whole) and the region hint, if any; the node names holders and peers
 * of the same region first. When the holdings grow significantly the visitor joins again, at most
 * once a minute (rejoinDelayMs), so the node's answers to others stay close to the truth.
 */
import { DeployNetError, SWARM_JOIN_PATH, parseSwarmJoinResponse, type Manifest, type SwarmJoinRequest } from '../core/index.js';

export async function joinSwarm(signal: string, body: SwarmJoinRequest, timeoutMs: number): Promise<readonly string[]> {
  let response: Response;
  try {
    response = await fetch(`${signal}${SWARM_JOIN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DeployNetError('SIGNAL_UNAVAILABLE', `signal node unreachable: ${String(error)}`);
  }
  if (!response.ok) throw new DeployNetError('SIGNAL_UNAVAILABLE', `swarm join answered ${response.status}`);
  return parseSwarmJoinResponse(await response.json()).peers;
}

/**
 * The fraction of the manifest's bytes in the files `files` names (indices in sorted path order,
 * as in a HAVE frame), rounded down to thousandths; 1 only when every file is held. A site of
 * empty files counts as held by whoever holds all of them.
 */
export function heldShare(manifest: Pick<Manifest, 'files'>, files: readonly number[]): number {
  const sizes = Object.keys(manifest.files)
    .sort()
    .map((path) => manifest.files[path]?.size ?? 0);
  const held = new Set(files.filter((i) => i >= 0 && i < sizes.length));
  if (held.size === sizes.length) return 1;
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total === 0) return 0;
  const bytes = [...held].reduce((sum, i) => sum + (sizes[i] ?? 0), 0);
  return Math.min(0.999, Math.floor((bytes / total) * 1000) / 1000);
}

/** Joins again at most this often to report grown holdings. */
export const REJOIN_INTERVAL_MS = 60_000;
/** Growth (in `holds`) worth a new join. */
export const REJOIN_GROWTH = 0.25;

/**
 * Whether holdings that went from `joined` (said in the last join) to `current` are worth a new
 * join: from nothing to something, from part to all, or by REJOIN_GROWTH of the site.
 */
export function grewSignificantly(joined: number, current: number): boolean {
  if (current <= joined) return false;
  // In thousandths, as heldShare rounds: 0.35 - 0.1 is a quarter, floating point or not.
  return joined === 0 || current === 1 || Math.round((current - joined) * 1000) >= REJOIN_GROWTH * 1000;
}

/**
 * When to join again for holdings that grew from `joined` to `current`: in how many ms (0: now),
 * or null when not worth it. At most one join per REJOIN_INTERVAL_MS after the last one.
 */
export function rejoinDelayMs(joined: number, current: number, lastJoinAt: number, now: number): number | null {
  if (!grewSignificantly(joined, current)) return null;
  return Math.max(0, lastJoinAt + REJOIN_INTERVAL_MS - now);
}
