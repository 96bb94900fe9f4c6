import { describe, expect, it } from 'vitest';
import type { BucketClock } from '../core/token-bucket.js';
import { MemoryAddressLimits } from './address-limits.js';

function manualClock(): BucketClock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    sleep: () => new Promise(() => {}),
    advance: (ms) => void (t += ms),
  };
}

function limits(clock = manualClock()) {
  return new MemoryAddressLimits({ maxConnectionsPerAddress: 2, messageRate: 10, messageBurst: 3, clock });
}

describe('MemoryAddressLimits', () => {
  it('caps open connections per address, and a closed one frees its slot', () => {
    const l = limits();
    expect([l.tryConnect('a'), l.tryConnect('a'), l.tryConnect('a')]).toEqual([true, true, false]);
    expect(l.tryConnect('b')).toBe(true);
    l.disconnected('a');
    expect(l.tryConnect('a')).toBe(true);
    expect(l.tryConnect('a')).toBe(false);
  });

  it('gives each address its own bucket: burst, then the refill rate', () => {
    const clock = manualClock();
    const l = limits(clock);
    expect([l.take('a'), l.take('a'), l.take('a'), l.take('a')]).toEqual([true, true, true, false]);
    expect(l.take('b')).toBe(true);
    clock.advance(100); // 10 per second: one more token
    expect([l.take('a'), l.take('a')]).toEqual([true, false]);
  });

  it('sweep forgets only idle addresses whose bucket has refilled', () => {
    const clock = manualClock();
    const l = limits(clock);
    for (let i = 0; i < 3; i++) l.take('spent');
    l.tryConnect('connected');
    l.take('fresh');
    clock.advance(100); // one token back each
    expect(l.size).toBe(3);
    expect(l.sweep()).toBe(1); // 'fresh' is full again, 'spent' is not
    expect(l.size).toBe(2);
    clock.advance(1000);
    expect(l.sweep()).toBe(1); // now 'spent' is full too
    expect(l.size).toBe(1); // the connected address stays
    l.disconnected('connected');
    expect(l.sweep()).toBe(1);
    expect(l.size).toBe(0);
  });

  it('a disconnect below zero is ignored', () => {
    const l = limits();
    l.disconnected('nobody');
    expect(l.size).toBe(0);
  });
});
