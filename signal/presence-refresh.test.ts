/** The presence refresh's rounds and slices, on a fake clock with a fake Redis. */
import { describe, expect, it } from 'vitest';
import type { LocalPeer } from './cluster-state.js';
import { PresenceRefresh, SPREAD } from './presence-refresh.js';

const ROUND_MS = 10_000;

function harness(count: number) {
  let now = 0;
  let up = true;
  const connected = new Set(Array.from({ length: count }, (_, i) => `p${i}`));
  /** Every write: when, and which ids. */
  const writes: { at: number; ids: string[] }[] = [];
  /** Writes that have not answered yet (resolved by `answer`). */
  const pending: (() => void)[] = [];
  let holdReplies = false;
  const failures: unknown[] = [];
  const refresh = new PresenceRefresh({
    roundMs: ROUND_MS,
    peerIds: () => [...connected],
    peer: (id): LocalPeer | undefined => (connected.has(id) ? { id, token: `t-${id}`, swarm: undefined, member: undefined } : undefined),
    write: (peers) => {
      writes.push({ at: now, ids: peers.map((p) => p.id) });
      return holdReplies ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve();
    },
    up: () => up,
    failed: (error) => failures.push(error),
    now: () => now,
  });
  /** Ticks every tickMs for `ms`, letting each write's reply land before the next tick. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += refresh.tickMs) {
      refresh.tick();
      await Promise.resolve();
      await Promise.resolve();
      now += refresh.tickMs;
    }
  };
  return {
    refresh,
    connected,
    writes,
    pending,
    failures,
    run,
    setUp: (value: boolean) => (up = value),
    holdReplies: (value: boolean) => (holdReplies = value),
  };
}

/** Times at which `id` was written. */
const writesOf = (writes: readonly { at: number; ids: string[] }[], id: string): number[] => writes.filter((w) => w.ids.includes(id)).map((w) => w.at);

describe('PresenceRefresh', () => {
  it('writes every peer once a round, in small slices spread over the round', async () => {
    const h = harness(5000);
    await h.run(ROUND_MS);
    const ids = h.writes.flatMap((w) => w.ids);
    expect(ids).toHaveLength(5000);
    expect(new Set(ids).size).toBe(5000);
    // Slices, not one pipeline of everything: about count * tick / (SPREAD * round) each.
    const perTick = Math.ceil((5000 * h.refresh.tickMs) / (SPREAD * ROUND_MS));
    expect(Math.max(...h.writes.map((w) => w.ids.length))).toBeLessThanOrEqual(perTick + 1);
    expect(h.writes.at(-1)?.at).toBeLessThanOrEqual(SPREAD * ROUND_MS);
  });

  it('writes each peer again about one round later, never later than a round and a tick', async () => {
    const h = harness(1000);
    await h.run(4 * ROUND_MS);
    for (const id of ['p0', 'p499', 'p999']) {
      const at = writesOf(h.writes, id);
      expect(at).toHaveLength(4);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(ROUND_MS + h.refresh.tickMs);
    }
  });

  it('skips peers that left mid-round, and takes newcomers in the next round', async () => {
    const h = harness(100);
    h.refresh.tick(); // the round starts with p0..p99
    h.connected.delete('p99');
    h.connected.add('new');
    await h.run(ROUND_MS);
    expect(writesOf(h.writes, 'p99')).toEqual([]);
    expect(writesOf(h.writes, 'new')).toEqual([]);
    await h.run(ROUND_MS);
    expect(writesOf(h.writes, 'new')).toHaveLength(1);
  });

  it('keeps one slice in flight at a time and catches up when a slow reply lands', async () => {
    const h = harness(1000);
    h.holdReplies(true);
    await h.run(ROUND_MS / 2);
    expect(h.writes).toHaveLength(1);
    h.holdReplies(false);
    for (const resolve of h.pending.splice(0)) resolve();
    await h.run(ROUND_MS / 2);
    expect(new Set(h.writes.flatMap((w) => w.ids)).size).toBe(1000);
  });

  it('writes nothing while Redis is down, and a whole round as soon as it is back', async () => {
    const h = harness(200);
    h.setUp(false);
    await h.run(2 * ROUND_MS);
    expect(h.writes).toEqual([]);
    h.setUp(true);
    await h.run(ROUND_MS);
    expect(new Set(h.writes.flatMap((w) => w.ids)).size).toBe(200);
    expect(h.writes[0]?.at).toBe(2 * ROUND_MS);
  });

  it('counts a failed slice and goes on with the next', async () => {
    const failures: unknown[] = [];
    let now = 0;
    let calls = 0;
    const refresh = new PresenceRefresh({
      roundMs: ROUND_MS,
      peerIds: () => ['a', 'b'],
      peer: (id) => ({ id, token: 't', swarm: undefined, member: undefined }),
      write: async () => {
        calls += 1;
        if (calls === 1) throw new Error('Connection is closed.');
      },
      up: () => true,
      failed: (error) => failures.push(error),
      now: () => now,
    });
    refresh.tick(); // the first slice, whose write fails
    await Promise.resolve();
    await Promise.resolve();
    now = ROUND_MS;
    refresh.tick(); // the next slice goes out all the same
    expect(failures).toHaveLength(1);
    expect(calls).toBe(2);
  });
});
