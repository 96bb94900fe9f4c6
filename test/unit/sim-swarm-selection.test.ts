/**
 * selectSwarmPeers keeps the best `max` members instead of sorting them all (for joins that draw
 * hundreds of members, in the simulator and on the node): the answer must be exactly what
 * sorting every member by the rule gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rendezvousWeight } from '../../core/rendezvous.js';
import { selectSwarmPeers, type SwarmMember } from '../../signal/swarm-selection.js';

/** The rule, by a full sort (swarm-selection.ts before it kept only the best); a member listed twice ranks by its better listing. */
function bySorting(joiner: SwarmMember, members: readonly SwarmMember[], max: number): string[] {
  if (!(max >= 1)) return [];
  const ranked: Array<{ id: string; group: number; score: number }> = [];
  for (const m of members) {
    if (m.id === joiner.id) continue;
    const sameRegion = joiner.region === null || m.region === joiner.region;
    const offers = joiner.holds >= 1 ? 1 - m.holds : m.holds;
    const u = (rendezvousWeight(joiner.id, m.id) + 1) / 4_294_967_297;
    ranked.push({ id: m.id, group: (sameRegion ? 0 : 2) + (offers > 0 ? 0 : 1), score: (offers > 0 ? offers : 1) / -Math.log(u) });
  }
  ranked.sort((a, b) => a.group - b.group || b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // A member listed twice counts once, by its better listing (the first after the sort).
  const ids = [...new Set(ranked.map((r) => r.id))];
  return ids.slice(0, Math.floor(max));
}

const member = fc.record({
  id: fc.stringMatching(/^[a-z0-9]{1,6}$/),
  holds: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  region: fc.oneof(fc.constant(null), fc.constantFrom('eu', 'us')),
});

describe('selectSwarmPeers (top-k)', () => {
  it('answers exactly what a full sort by the rule answers', () => {
    fc.assert(
      fc.property(member, fc.array(member, { maxLength: 80 }), fc.integer({ min: 0, max: 12 }), (joiner, members, max) => {
        expect(selectSwarmPeers(joiner, members, max)).toEqual(bySorting(joiner, members, max));
      }),
      { numRuns: 500 },
    );
  });
});
