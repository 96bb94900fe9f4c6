import { describe, expect, it } from 'vitest';
import { type SwarmMember, memberOf, selectSwarmPeers } from './swarm-selection.js';
import { prng } from '../test/unit/test-kit.js';

const m = (id: string, holds = 0, region: string | null = null): SwarmMember => ({ id, holds, region });

/** PeerJS-like ids (random hex), reproducible. */
function ids(n: number, prefix: string, seed: number): string[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => `${prefix}-${Math.floor(random() * 2 ** 32).toString(16)}${Math.floor(random() * 2 ** 32).toString(16)}`);
}

describe('selectSwarmPeers', () => {
  it('never names the joiner, never a member twice, at most max, only members', () => {
    const members = ids(30, 'm', 1).map((id, i) => m(id, i % 3 === 0 ? 1 : 0, i % 2 === 0 ? 'eu-west' : null));
    const self = members[7]!;
    for (const max of [0, 1, 5, 29, 32, 100]) {
      const chosen = selectSwarmPeers(self, [...members, members[3]!, self], max);
      expect(chosen).not.toContain(self.id);
      expect(chosen.length).toBe(Math.min(max, 29));
      expect(new Set(chosen).size).toBe(chosen.length);
      for (const id of chosen) expect(members.map((x) => x.id)).toContain(id);
    }
    expect(selectSwarmPeers(self, [self], 5)).toEqual([]);
    expect(selectSwarmPeers(self, [], 5)).toEqual([]);
    expect(selectSwarmPeers(self, members, -1)).toEqual([]);
    expect(selectSwarmPeers(self, members, Number.NaN)).toEqual([]);
  });

  it('names holders before members that hold nothing, fuller or not', () => {
    const empty = ids(10, 'empty', 2).map((id) => m(id, 0));
    const holders = [m('h-a', 0.01), m('h-b', 1), m('h-c', 0.4)];
    for (const joiner of ids(50, 'j', 3)) {
      const chosen = selectSwarmPeers(m(joiner, 0.2), [...empty, ...holders], 5);
      expect(chosen.slice(0, 3).sort()).toEqual(['h-a', 'h-b', 'h-c']);
      for (const id of chosen.slice(3)) expect(id.startsWith('empty')).toBe(true);
    }
  });

  it('names same-region members first when the joiner gives a region, then holders elsewhere', () => {
    const members = [m('eu-empty', 0, 'eu-west'), m('eu-holder', 1, 'eu-west'), m('us-holder', 1, 'us-east'), m('none-holder', 1, null), m('us-empty', 0, 'us-east')];
    const chosen = selectSwarmPeers(m('j1', 0, 'eu-west'), members, 5);
    expect(chosen.slice(0, 2)).toEqual(['eu-holder', 'eu-empty']);
    expect(chosen.slice(2, 4).sort()).toEqual(['none-holder', 'us-holder']);
    expect(chosen[4]).toBe('us-empty');
    expect(selectSwarmPeers(m('j2', 0, 'eu-west'), members, 1)).toEqual(['eu-holder']);
    // Without a region hint, region plays no part: holders of every region first.
    expect(selectSwarmPeers(m('j3', 0, null), members, 3).sort()).toEqual(['eu-holder', 'none-holder', 'us-holder']);
  });

  it('a joiner that holds the whole site gets members that still lack something first', () => {
    const members = [m('seed-1', 1), m('seed-2', 1), m('half', 0.5), m('empty', 0)];
    for (const joiner of ids(20, 'seed', 4)) {
      const chosen = selectSwarmPeers(m(joiner, 1), members, 4);
      expect(chosen.slice(0, 2).sort()).toEqual(['empty', 'half']);
      expect(chosen.slice(2).sort()).toEqual(['seed-1', 'seed-2']);
    }
  });

  it('spreads 1,000 joiners over 20 equal holders roughly evenly', () => {
    const holders = ids(20, 'holder', 5).map((id) => m(id, 1));
    const empty = ids(20, 'empty', 6).map((id) => m(id, 0));
    const first = new Map<string, number>(holders.map((h) => [h.id, 0]));
    const named = new Map<string, number>(holders.map((h) => [h.id, 0]));
    for (const joiner of ids(1000, 'joiner', 7)) {
      const chosen = selectSwarmPeers(m(joiner, 0), [...empty, ...holders], 4);
      first.set(chosen[0]!, (first.get(chosen[0]!) ?? 0) + 1);
      for (const id of chosen) named.set(id, (named.get(id) ?? 0) + 1);
    }
    expect(first.size).toBe(20); // only holders come first
    expect(named.size).toBe(20); // and only holders are named, with 20 of them
    // Expected 50 first places and 200 namings each (binomial sd about 7 and 13).
    expect(Math.min(...first.values())).toBeGreaterThanOrEqual(25);
    expect(Math.max(...first.values())).toBeLessThanOrEqual(80);
    expect(Math.min(...named.values())).toBeGreaterThanOrEqual(150);
    expect(Math.max(...named.values())).toBeLessThanOrEqual(250);
  });

  it('weights holders by what they hold: a full holder comes first for about twice as many joiners as a half one', () => {
    const holders = [m('full', 1), m('half', 0.5)];
    let full = 0;
    for (const joiner of ids(3000, 'joiner', 8)) if (selectSwarmPeers(m(joiner, 0), holders, 1)[0] === 'full') full++;
    // P(full first) = 1 / (1 + 0.5) = 2/3.
    expect(full / 3000).toBeGreaterThan(0.62);
    expect(full / 3000).toBeLessThan(0.71);
  });

  it('is stable: the same joiner gets the same answer, and a member leaving moves only its own place', () => {
    const members = ids(40, 'm', 9).map((id, i) => m(id, i < 20 ? 1 : 0));
    const joiner = m('joiner-x', 0);
    const before = selectSwarmPeers(joiner, members, 6);
    expect(selectSwarmPeers(joiner, [...members].reverse(), 6)).toEqual(before);
    const gone = before[2]!;
    const after = selectSwarmPeers(joiner, members.filter((x) => x.id !== gone), 6);
    expect(after.slice(0, 5)).toEqual(before.filter((id) => id !== gone));
  });

  it('memberOf reads a join body: holds absent is 0, region absent is none', () => {
    expect(memberOf('a', undefined, undefined)).toEqual(m('a', 0, null));
    expect(memberOf('a', 0.3, 'eu-west')).toEqual(m('a', 0.3, 'eu-west'));
  });
});
