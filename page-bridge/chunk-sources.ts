/**
 * Where one chunk can come from, by what links announced (HAVE, HAVE_CHUNKS; holdings.ts), and,
 * for chunks no link holds yet, which of them this visitor fetches from the origin itself.
 * Pure functions over plain data, used by the scheduler (swarm-download.ts).
 *
 * Rendezvous over chunk ids: when several visitors download the same file and nobody holds it (a
 * new swarm), every one of them computes the same owner for each chunk, among itself and the
 * linked peers that announced they are downloading it (core/rendezvous.ts over
 * `${fileSha256}:${index}`). Each fetches the chunks it owns from the origin and gets the others
 * from their owners once those announce them, instead of all fetching chunk 0 first.
 */
import { rendezvousOwner } from '../core/index.js';
import type { Held } from './holdings.js';

/** At most this many chunks are handed to the origin and not yet in (the window slides as they arrive). */
export const ORIGIN_WINDOW = 4;

/**
 * The origin window after `arrived` handed chunks came in: one chunk at first, one more per
 * arrival, up to ORIGIN_WINDOW (TCP's slow start). Visitors that start a file at the same moment
 * have not heard of each other yet; this way they overlap on one chunk, not on a whole window.
 */
export function originWindow(arrived: number): number {
  return Math.min(ORIGIN_WINDOW, 1 + arrived);
}

/** What the scheduler knows of one file's holdings (Holdings, bound to a file and a visitor). */
export interface FileHoldings {
  /** Whether this link holds chunk `index`, by what it announced ('unknown': it announced nothing). */
  holds(peerId: string, index: number): Held;
  /** Links that announced they are downloading the file too (rendezvous members besides this visitor). */
  downloaders(): readonly string[];
  /** This visitor's peer id; null before it has one. */
  self(): string | null;
  /** Hears every change of what links hold; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
}

/**
 * The links to ask for chunk `index`: those that announced it, or, when none did, those that
 * announced nothing (they may hold it: peers from before HAVE). Links that announced they lack
 * it, or said NotFound for it (`refused`), are never asked.
 */
export function sourcesFor<L extends { readonly peerId: string }>(links: readonly L[], index: number, holdings: FileHoldings | undefined, refused: (peerId: string, index: number) => boolean): L[] {
  if (!holdings) return links.filter((l) => !refused(l.peerId, index));
  const held = links.filter((l) => holdings.holds(l.peerId, index) === 'yes' && !refused(l.peerId, index));
  return held.length > 0 ? held : links.filter((l) => holdings.holds(l.peerId, index) === 'unknown' && !refused(l.peerId, index));
}

/**
 * Of `unheld` (chunks no link holds or may hold, ascending), the ones this visitor takes from the
 * origin now: those it owns among itself and `downloaders`, lowest first, at most `room`.
 */
export function originShare(sha256: string, unheld: readonly number[], self: string | null, downloaders: readonly string[], room: number): number[] {
  if (room <= 0) return [];
  const me = self ?? '';
  const members = [me, ...downloaders.filter((d) => d !== me)];
  const out: number[] = [];
  for (const index of unheld) {
    if (out.length >= room) break;
    if (members.length === 1 || rendezvousOwner(`${sha256}:${index}`, members) === me) out.push(index);
  }
  return out;
}
