/**
 * Whom to link to, when the signal node names more candidates than there is room for (a swarm
 * join answer, after startup or a reconnect). Pure: plain data in, a decision out.
 *
 * Candidates nobody has measured come in the order given (the node's answer is random); those this
 * visitor saw failing (their breaker is open) come last. With room, the first ones are dialled.
 * At capacity, one link may make way for one candidate: the least useful link (it holds nothing
 * this visitor lacks, by its HAVE; a failing one first, then the oldest), and only one linked for
 * at least MIN_LINK_AGE_MS. One drop per decision, and the caller decides at most once per join:
 * churn stays bounded, and useful links (and new ones, still announcing) are never dropped.
 */

export const MIN_LINK_AGE_MS = 30_000;

export interface LinkStanding {
  readonly peerId: string;
  /** Chunks it holds that this visitor lacks (Holdings.usefulTo). */
  readonly useful: number;
  /** Its breaker is open: it kept failing (PeerScores). */
  readonly failing: boolean;
  /** When the link opened (epoch ms). */
  readonly linkedAt: number;
}

export interface SelectionInput {
  readonly linked: readonly LinkStanding[];
  /** Peers this visitor could dial, best first as far as the caller knows (e.g. the node's order). */
  readonly candidates: readonly string[];
  /** Links this visitor opens at most (maxPeers). */
  readonly cap: number;
  /** Candidates known to fail (breaker open): dialled last. */
  readonly failing: (peerId: string) => boolean;
  readonly now: number;
}

export interface Selection {
  readonly dial: readonly string[];
  /** A link to close to make room for `dial`, or null. */
  readonly drop: string | null;
}

export function selectPeers(input: SelectionInput): Selection {
  const linked = new Set(input.linked.map((l) => l.peerId));
  const fresh = input.candidates.filter((c, i) => !linked.has(c) && input.candidates.indexOf(c) === i);
  const ordered = [...fresh.filter((c) => !input.failing(c)), ...fresh.filter((c) => input.failing(c))];
  const room = input.cap - input.linked.length;
  if (room > 0) return { dial: ordered.slice(0, room), drop: null };
  const best = ordered[0];
  if (best === undefined || input.failing(best)) return { dial: [], drop: null };
  const droppable = input.linked
    .filter((l) => l.useful === 0 && input.now - l.linkedAt >= MIN_LINK_AGE_MS)
    .sort((a, b) => Number(b.failing) - Number(a.failing) || a.linkedAt - b.linkedAt || (a.peerId < b.peerId ? -1 : 1));
  const drop = droppable[0];
  return drop ? { dial: [best], drop: drop.peerId } : { dial: [], drop: null };
}
