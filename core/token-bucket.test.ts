/**
 * TokenBucket on fake time: the clock only moves when a test calls advance(), and sleeping is a
 * promise that advance() resolves, so nothing here waits on real time (microtasks only).
 */
import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import { TokenBucket, type BucketClock } from './token-bucket.js';

async function flush(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

function fakeClock(): BucketClock & { readonly sleeps: number[]; advance(ms: number): Promise<void>; readonly time: number } {
  let t = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const sleeps: number[] = [];
  return {
    sleeps,
    get time() {
      return t;
    },
    now: () => t,
    sleep(ms) {
      sleeps.push(ms);
      return new Promise((resolve) => timers.push({ at: t + ms, resolve }));
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await flush();
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        t = next.at;
        next.resolve();
      }
      t = end;
      await flush();
    },
  };
}

/** Starts take(n) and records when (fake ms) it resolved, under `name`, in `log`. */
function track(bucket: TokenBucket, clock: { readonly time: number }, n: number, name: string, log: Array<[string, number]>): Promise<void> {
  return bucket.take(n).then(() => void log.push([name, clock.time]));
}

describe('TokenBucket', () => {
  it('starts full: takes up to the capacity resolve without sleeping', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 1000, ratePerSec: 1000, clock });
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 600, 'a', log);
    void track(bucket, clock, 400, 'b', log);
    await flush();
    expect(log).toEqual([['a', 0], ['b', 0]]);
    expect(clock.sleeps).toEqual([]);
    expect(bucket.available).toBe(0);
  });

  it('waits for exactly the deficit at the refill rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 1000, ratePerSec: 1000, clock });
    await bucket.take(1000);
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 500, 'a', log);
    await clock.advance(499);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([['a', 500]]);
  });

  it('takes more than the capacity by waiting for the deficit', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 100, ratePerSec: 1000, clock });
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 350, 'big', log);
    await clock.advance(249);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([['big', 250]]);
    // The bucket is empty afterwards, not in credit.
    expect(bucket.available).toBe(0);
  });

  it('never refills past the capacity while idle', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 100, ratePerSec: 1000, clock });
    await clock.advance(10_000);
    expect(bucket.available).toBe(100);
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 150, 'a', log);
    await clock.advance(50);
    expect(log).toEqual([['a', 10_050]]);
  });

  it('serves waiters first come, first served: a small take does not overtake a large one', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 1000, ratePerSec: 1000, clock });
    await bucket.take(1000);
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 500, 'large', log);
    void track(bucket, clock, 1, 'small', log);
    void track(bucket, clock, 200, 'third', log);
    expect(bucket.waiting).toBe(3);
    await clock.advance(10);
    expect(log).toEqual([]); // 10 tokens exist by now, but 'large' is first in line
    await clock.advance(2000);
    expect(log).toEqual([
      ['large', 500],
      ['small', 501],
      ['third', 701],
    ]);
    expect(bucket.waiting).toBe(0);
  });

  it('never hands out more than capacity + rate × elapsed time', async () => {
    const clock = fakeClock();
    const capacity = 5000;
    const rate = 20_000;
    const bucket = new TokenBucket({ capacity, ratePerSec: rate, clock });
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const done: Array<[number, number]> = [];
    let given = 0;
    let asked = 0;
    for (let i = 0; i < 200; i++) {
      const n = next() % 12_000; // sometimes above the capacity
      asked += n;
      void bucket.take(n).then(() => void done.push([(given += n), clock.time]));
      if (i % 10 === 0) await clock.advance(next() % 300);
    }
    await clock.advance(1_000_000);
    expect(done).toHaveLength(200);
    expect(given).toBe(asked);
    for (const [total, at] of done) expect(total).toBeLessThanOrEqual(capacity + (rate * at) / 1000 + 1e-6);
    // And it is not needlessly slow: the last take resolved when the rate says it could.
    const [, lastAt] = done[done.length - 1]!;
    expect(lastAt).toBeLessThanOrEqual(Math.ceil(((asked - capacity) * 1000) / rate) + 200);
  });

  it('resolves take(0) at once and refuses a negative or non-finite amount', async () => {
    const bucket = new TokenBucket({ capacity: 10, ratePerSec: 10, clock: fakeClock() });
    await expect(bucket.take(0)).resolves.toBeUndefined();
    for (const n of [-1, Number.NaN, Number.POSITIVE_INFINITY]) await expect(bucket.take(n)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it.each([
    ['capacity', { capacity: 0, ratePerSec: 1 }],
    ['capacity', { capacity: Number.NaN, ratePerSec: 1 }],
    ['ratePerSec', { capacity: 1, ratePerSec: -5 }],
    ['ratePerSec', { capacity: 1, ratePerSec: Number.POSITIVE_INFINITY }],
  ])('refuses a bad %s with BAD_CONFIG', (field, options) => {
    let error: unknown;
    try {
      new TokenBucket({ ...options, clock: fakeClock() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeployNetError);
    expect(error).toMatchObject({ code: 'BAD_CONFIG', details: { field } });
  });

  it('tryTake admits up to the tokens there and refuses the rest without going into debt', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, ratePerSec: 2, clock });
    expect([bucket.tryTake(1), bucket.tryTake(1), bucket.tryTake(1), bucket.tryTake(1)]).toEqual([true, true, true, false]);
    expect(bucket.available).toBe(0);
    await clock.advance(499);
    expect(bucket.tryTake(1)).toBe(false); // 0.998 tokens: not enough, and nothing was taken
    await clock.advance(1);
    expect(bucket.tryTake(1)).toBe(true);
    expect(bucket.tryTake(0)).toBe(true);
    await clock.advance(10_000);
    expect(bucket.tryTake(4)).toBe(false); // more than the capacity never fits
    expect(bucket.available).toBe(3);
  });

  it('tryTake does not jump the line of waiting takes', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, ratePerSec: 10, clock });
    const log: Array<[string, number]> = [];
    void track(bucket, clock, 15, 'big', log);
    await flush();
    expect(bucket.tryTake(1)).toBe(false);
    await clock.advance(500);
    expect(log).toEqual([['big', 500]]);
    await clock.advance(100);
    expect(bucket.tryTake(1)).toBe(true);
  });

  it('never admits more than capacity + rate × elapsed time through tryTake', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 20, ratePerSec: 50, clock });
    let admitted = 0;
    for (let ms = 0; ms < 10_000; ms += 7) {
      for (let i = 0; i < 5; i++) if (bucket.tryTake(1)) admitted += 1;
      expect(admitted).toBeLessThanOrEqual(20 + (50 * clock.time) / 1000 + 1e-6);
      await clock.advance(7);
    }
    expect(admitted).toBeGreaterThan(500); // and it does admit at the rate
  });

  it('tryTake refuses a negative or non-finite amount with BAD_ARGUMENT', () => {
    const bucket = new TokenBucket({ capacity: 10, ratePerSec: 10, clock: fakeClock() });
    for (const n of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => bucket.tryTake(n)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});
