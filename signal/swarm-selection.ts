/**
 * Whom a swarm join names: up to `max` members of the joiner's swarm, best first. Pure: plain data
 * in, an ordered list of ids out; the in-memory registry and the Redis variant both answer with it.
 *
 * The rule, in order:
 *   1. Region: when the joiner gives a region hint, members with the same hint come first.
 *   2. Holdings: a joiner that still lacks something gets members that hold content (holds > 0)
 *      before members that hold nothing. A joiner that holds the whole site (holds = 1) has
 *      nothing to fetch, so it is the other way round: members that still lack something first
 *      (seeders link to the visitors that need them, instead of filling each other's link slots).
 *   3. Within a group, rendezvous hashing over (joiner id, member id), weighted: a member's score
 *      is w / -ln(u), u the member's rendezvous weight (core/rendezvous.ts) mapped into (0, 1), w
 *      what it offers the joiner (its holds among holders; what it lacks, 1 - holds, for a
 *      complete joiner; 1 otherwise). Every joiner ranks the members differently, so different
 *      joiners get different holders instead of all piling onto the same top holder, each member
 *      first for about its share of joiners (weighted rendezvous: the chance to rank first is
 *      proportional to w). A member that leaves moves only the joiners it was first for.
 *
 * Never the joiner itself, never a member twice, never more than `max`. The caller passes one
 * swarm's members (or, in Redis, a random sample of at most a few hundred of them): there is no
 * global list here either.
 */
import { rendezvousWeight } from '../core/rendezvous.js';

/**
 * How many members one join ranks at most: every member in swarms up to this size, a random
 * draw of this many in larger ones (the in-memory registry and Redis alike). Ranking costs one
 * rendezvous hash per member drawn, so this bounds a join's work whatever the swarm's size.
 */
export const SWARM_DRAW = 256;

/** What the node knows of a swarm member: its id and what it said in its last join. */
export interface SwarmMember {
  readonly id: string;
  /** Fraction of the site's bytes it holds whole, 0 to 1 (core/swarm.ts `holds`). */
  readonly holds: number;
  /** Its region hint, or null. */
  readonly region: string | null;
}

/** A swarm member as the join body describes it; `holds` absent means 0. */
export function memberOf(id: string, holds: number | undefined, region: string | undefined): SwarmMember {
  return { id, holds: holds ?? 0, region: region ?? null };
}

interface Ranked {
  readonly id: string;
  readonly group: number;
  readonly score: number;
}

/** Rendezvous weight of (joiner, member) as a number strictly between 0 and 1. */
function unit(joinerId: string, memberId: string): number {
  return (rendezvousWeight(joinerId, memberId) + 1) / 4_294_967_297;
}

/** Whether (group, score, id) ranks before `b`: group, then score (higher first), then id. */
function before(group: number, score: number, id: string, b: Ranked): boolean {
  return group !== b.group ? group < b.group : score !== b.score ? score > b.score : id < b.id;
}

/**
 * Up to `max` members other than the joiner, best first by the rule above. Keeps only the best
 * `max` so far (an insertion into a short sorted list) instead of sorting every member: a join
 * ranks every member of its swarm (hundreds, thousands on a big node) and answers a handful, so
 * this is O(members · max) at worst and about O(members) in practice.
 *
 * Per member it allocates nothing but the rendezvous hash's key: a member is ranked in plain
 * numbers and becomes an object only when it enters the best `max`. (A node's 10,000 joins used
 * to allocate an object per member ranked and a Set of every id seen: gigabytes of garbage in a
 * bench:signal connect phase, whose promoted leftovers the node then collected while relaying.)
 * A member listed twice is named once, ranked by its better listing (the draws list each member
 * once; this only makes the answer well defined whatever the input).
 */
export function selectSwarmPeers(joiner: SwarmMember, members: Iterable<SwarmMember>, max: number): string[] {
  if (!(max >= 1)) return [];
  const k = Math.floor(max);
  const complete = joiner.holds >= 1;
  const best: Ranked[] = [];
  for (const member of members) {
    const id = member.id;
    if (id === joiner.id) continue;
    const sameRegion = joiner.region === null || member.region === joiner.region;
    const offers = complete ? 1 - member.holds : member.holds;
    const preferred = offers > 0;
    const group = (sameRegion ? 0 : 2) + (preferred ? 0 : 1);
    const score = (preferred ? offers : 1) / -Math.log(unit(joiner.id, id));
    if (best.length === k && !before(group, score, id, best[k - 1]!)) continue;
    const listed = best.findIndex((b) => b.id === id);
    if (listed >= 0) {
      if (!before(group, score, id, best[listed]!)) continue;
      best.splice(listed, 1);
    } else if (best.length === k) {
      best.pop();
    }
    let i = best.length;
    best.push({ id, group, score });
    const r = best[i]!;
    for (; i > 0 && before(group, score, id, best[i - 1]!); i--) best[i] = best[i - 1]!;
    best[i] = r;
  }
  return best.map((r) => r.id);
}
