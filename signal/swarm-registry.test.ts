import { describe, expect, it } from 'vitest';
import { SwarmRegistry, swarmKey } from './swarm-registry.js';
import { SWARM_DRAW, type SwarmMember, memberOf, selectSwarmPeers } from './swarm-selection.js';

const m = (id: string, holds = 0, region: string | null = null): SwarmMember => ({ id, holds, region });

function fill(registry: SwarmRegistry, key: string, n: number, prefix = 'p'): string[] {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (const id of ids) registry.join(key, m(id));
  return ids;
}

describe('swarmKey', () => {
  it('separates origin, key id and version', () => {
    expect(swarmKey('https://a.example', '0123456789abcdef', 3)).toBe('https://a.example|0123456789abcdef|3');
    expect(swarmKey('https://a.example', '0123456789abcdef', 3)).not.toBe(swarmKey('https://b.example', '0123456789abcdef', 3));
    expect(swarmKey('', '0123456789abcdef', 1)).toBe('|0123456789abcdef|1');
  });
});

describe('SwarmRegistry', () => {
  it('lists the members of a swarm and counts peers and swarms', () => {
    const r = new SwarmRegistry();
    r.join('s1', m('a'));
    r.join('s1', m('b'));
    r.join('s2', m('c'));
    expect([...r.members('s1')].sort()).toEqual(['a', 'b']);
    expect(r.members('s2')).toEqual(['c']);
    expect(r.members('nope')).toEqual([]);
    expect(r.counts()).toEqual({ peers: 3, swarms: 2 });
    expect(r.swarmOf('a')).toBe('s1');
  });

  it('joining the same swarm again keeps one membership and updates what the peer said', () => {
    const r = new SwarmRegistry();
    r.join('s1', m('a'));
    r.join('s1', m('a', 0.5, 'eu-west'));
    expect(r.members('s1')).toEqual(['a']);
    expect(r.counts()).toEqual({ peers: 1, swarms: 1 });
    expect(r.memberOf('a')).toEqual(m('a', 0.5, 'eu-west'));
    expect(r.memberOf('b')).toBeUndefined();
  });

  it('moves a peer between swarms: a peer is in at most one swarm', () => {
    const r = new SwarmRegistry();
    r.join('s1', m('a'));
    r.join('s1', m('b'));
    r.join('s2', m('a', 1));
    expect(r.members('s1')).toEqual(['b']);
    expect(r.members('s2')).toEqual(['a']);
    expect(r.swarmOf('a')).toBe('s2');
    expect(r.memberOf('a')).toEqual(m('a', 1));
    expect(r.counts()).toEqual({ peers: 2, swarms: 2 });
    r.join('s2', m('b'));
    expect(r.counts()).toEqual({ peers: 2, swarms: 1 });
    expect(r.members('s1')).toEqual([]);
  });

  it('leave removes the peer and forgets an emptied swarm; unknown peers are ignored', () => {
    const r = new SwarmRegistry();
    fill(r, 's1', 3);
    r.leave('p1');
    expect([...r.members('s1')].sort()).toEqual(['p0', 'p2']);
    expect(r.choose('s1', m('x'), 10).sort()).toEqual(['p0', 'p2']);
    r.leave('p0');
    r.leave('p2');
    r.leave('p2');
    r.leave('never-joined');
    expect(r.members('s1')).toEqual([]);
    expect(r.swarmOf('p0')).toBeUndefined();
    expect(r.memberOf('p0')).toBeUndefined();
    expect(r.counts()).toEqual({ peers: 0, swarms: 0 });
    expect(r.choose('s1', m('x'), 10)).toEqual([]);
  });

  it('choose answers from one swarm only, never the joiner, at most max', () => {
    const r = new SwarmRegistry();
    const ids = fill(r, 's', 20);
    fill(r, 'other', 5, 'o');
    for (let round = 0; round < 100; round++) {
      const self = ids[round % ids.length] ?? 'p0';
      const max = round % 25;
      const chosen = r.choose('s', m(self), max);
      expect(chosen).not.toContain(self);
      expect(chosen.length).toBe(Math.min(max, ids.length - 1));
      expect(new Set(chosen).size).toBe(chosen.length);
      for (const id of chosen) expect(ids).toContain(id);
    }
    expect(r.choose('s', m('p2'), 0)).toEqual([]);
    expect(r.choose('nope', m('p2'), 5)).toEqual([]);
  });

  it('choose ranks by what members said in their last join: holders first', () => {
    const r = new SwarmRegistry();
    fill(r, 's', 6);
    r.join('s', m('p4', 0.5));
    expect(r.choose('s', memberOf('newcomer', undefined, undefined), 1)).toEqual(['p4']);
    r.join('s', m('p4', 0));
    r.join('s', m('p1', 0.2));
    expect(r.choose('s', m('newcomer'), 1)).toEqual(['p1']);
  });

  it('keeps members and what they said exact through many joins, moves and leaves', () => {
    const r = new SwarmRegistry();
    const want = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const id = `p${(i * 7) % 150}`;
      if (i % 5 === 4) {
        r.leave(id);
        want.delete(id);
      } else {
        r.join('s', m(id, i / 400));
        want.set(id, i / 400);
      }
    }
    expect([...r.members('s')].sort()).toEqual([...want.keys()].sort());
    for (const [id, holds] of want) expect(r.memberOf(id)).toEqual(m(id, holds));
    expect(r.counts()).toEqual({ peers: want.size, swarms: 1 });
    for (const id of want.keys()) r.leave(id);
    expect(r.counts()).toEqual({ peers: 0, swarms: 0 });
  });

  it('in a swarm larger than SWARM_DRAW, ranks a run of SWARM_DRAW + 1 members from a random place', () => {
    let at = 0.5;
    const r = new SwarmRegistry(() => at);
    const ids = fill(r, 's', 2 * SWARM_DRAW);
    const joiner = m('newcomer');
    // From the middle: members SWARM_DRAW … 2·SWARM_DRAW (wrapping to p0), ranked as selection ranks them.
    const drawn = [...ids.slice(SWARM_DRAW), ids[0]!].map((id) => m(id));
    expect(r.choose('s', joiner, 5)).toEqual(selectSwarmPeers(joiner, drawn, 5));
    // Every member can be drawn: over many starting places every one is named to someone.
    const named = new Set<string>();
    for (let i = 0; i < 200; i++) {
      at = i / 200;
      for (const id of r.choose('s', m(`j${i}`), 8)) named.add(id);
      expect(r.choose('s', m(ids[i]!), 8)).not.toContain(ids[i]);
    }
    expect(named.size).toBeGreaterThan(ids.length / 2);
  });
});
