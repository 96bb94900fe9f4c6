import { describe, expect, it } from 'vitest';
import { SwarmRegistry, swarmKey } from './swarm-registry.js';
import { prng as seeded } from '../test/unit/test-kit.js';


function fill(registry: SwarmRegistry, key: string, n: number, prefix = 'p'): string[] {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (const id of ids) registry.join(key, id);
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
    r.join('s1', 'a');
    r.join('s1', 'b');
    r.join('s2', 'c');
    expect([...r.members('s1')].sort()).toEqual(['a', 'b']);
    expect(r.members('s2')).toEqual(['c']);
    expect(r.members('nope')).toEqual([]);
    expect(r.counts()).toEqual({ peers: 3, swarms: 2 });
    expect(r.swarmOf('a')).toBe('s1');
  });

  it('joining twice is a no-op', () => {
    const r = new SwarmRegistry();
    r.join('s1', 'a');
    r.join('s1', 'a');
    expect(r.members('s1')).toEqual(['a']);
    expect(r.counts()).toEqual({ peers: 1, swarms: 1 });
  });

  it('moves a peer between swarms: a peer is in at most one swarm', () => {
    const r = new SwarmRegistry();
    r.join('s1', 'a');
    r.join('s1', 'b');
    r.join('s2', 'a');
    expect(r.members('s1')).toEqual(['b']);
    expect(r.members('s2')).toEqual(['a']);
    expect(r.swarmOf('a')).toBe('s2');
    expect(r.counts()).toEqual({ peers: 2, swarms: 2 });
    r.join('s2', 'b');
    expect(r.counts()).toEqual({ peers: 2, swarms: 1 });
    expect(r.members('s1')).toEqual([]);
  });

  it('leave removes the peer and forgets an emptied swarm; unknown peers are ignored', () => {
    const r = new SwarmRegistry();
    fill(r, 's1', 3);
    r.leave('p1');
    expect([...r.members('s1')].sort()).toEqual(['p0', 'p2']);
    expect(r.pick('s1', 'x', 10).sort()).toEqual(['p0', 'p2']);
    r.leave('p0');
    r.leave('p2');
    r.leave('p2');
    r.leave('never-joined');
    expect(r.members('s1')).toEqual([]);
    expect(r.swarmOf('p0')).toBeUndefined();
    expect(r.counts()).toEqual({ peers: 0, swarms: 0 });
    expect(r.pick('s1', 'x', 10)).toEqual([]);
  });

  it('pick never returns the excluded peer, never more than max, never a duplicate, only members', () => {
    const r = new SwarmRegistry();
    const ids = fill(r, 's', 20);
    fill(r, 'other', 5, 'o');
    const random = seeded(1);
    for (let round = 0; round < 500; round++) {
      const self = ids[round % ids.length] ?? 'p0';
      const max = round % 25;
      const picked = r.pick('s', self, max, random);
      expect(picked).not.toContain(self);
      expect(picked.length).toBe(Math.min(max, ids.length - 1));
      expect(new Set(picked).size).toBe(picked.length);
      for (const id of picked) expect(ids).toContain(id);
    }
  });

  it('pick returns every other member when max is large, and nothing for max 0', () => {
    const r = new SwarmRegistry();
    fill(r, 's', 4);
    expect(r.pick('s', 'p2', 32).sort()).toEqual(['p0', 'p1', 'p3']);
    expect(r.pick('s', 'outsider', 32).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(r.pick('s', 'p2', 0)).toEqual([]);
    expect(r.pick('s', 'p2', -1)).toEqual([]);
  });

  it('a lone member gets nobody, even with a random source at its edges', () => {
    const r = new SwarmRegistry();
    r.join('s', 'alone');
    expect(r.pick('s', 'alone', 5)).toEqual([]);
    r.join('s', 'second');
    expect(r.pick('s', 'alone', 5, () => 0)).toEqual(['second']);
    expect(r.pick('s', 'alone', 5, () => 0.9999999999)).toEqual(['second']);
    expect(r.pick('s', 'alone', 5, () => Number.NaN)).toEqual(['second']);
  });

  it('pick is uniform: each other member is chosen about equally often', () => {
    const r = new SwarmRegistry();
    const ids = fill(r, 's', 10);
    const counts = new Map<string, number>(ids.map((id) => [id, 0]));
    const random = seeded(42);
    const rounds = 20_000;
    for (let i = 0; i < rounds; i++) {
      for (const id of r.pick('s', 'p3', 3, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.get('p3')).toBe(0);
    const expected = (rounds * 3) / 9;
    for (const id of ids) {
      if (id === 'p3') continue;
      expect(Math.abs((counts.get(id) ?? 0) - expected) / expected).toBeLessThan(0.05);
    }
  });
});
