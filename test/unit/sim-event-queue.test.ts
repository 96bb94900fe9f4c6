import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, SimClock, type SimEvent } from '../sim/event-queue.js';

describe('EventQueue', () => {
  it('pops events by time, then in insertion order, whatever the insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue();
        times.forEach((time, seq) => q.push({ time, seq, fn: null }));
        const out: SimEvent[] = [];
        for (let e = q.pop(); e; e = q.pop()) out.push(e);
        expect(out.map((e) => [e.time, e.seq])).toEqual(times.map((time, seq) => [time, seq]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
      }),
    );
  });
});

describe('SimClock', () => {
  it('runs events at their (whole-millisecond) times and skips cancelled ones', async () => {
    const clock = new SimClock();
    const seen: Array<[string, number]> = [];
    clock.schedule(10.2, () => seen.push(['b', clock.now()]));
    clock.schedule(3, () => seen.push(['a', clock.now()]));
    const c = clock.schedule(5, () => seen.push(['cancelled', clock.now()]));
    clock.cancel(c);
    clock.schedule(11, () => clock.schedule(0, () => seen.push(['same tick', clock.now()])));
    await clock.run();
    expect(seen).toEqual([['a', 3], ['b', 11], ['same tick', 11]]);
    expect(clock.events).toBe(4);
  });

  it('lets promise jobs an event started finish before time moves on', async () => {
    const clock = new SimClock();
    const seen: number[] = [];
    clock.schedule(5, () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => seen.push(clock.now()));
    });
    clock.schedule(6, () => seen.push(clock.now()));
    await clock.run();
    expect(seen).toEqual([5, 6]);
  });

  it('stops at `until` and resumes later; sleep and the timers run on simulated time', async () => {
    const clock = new SimClock();
    const seen: string[] = [];
    void clock.sleep(100).then(() => seen.push(`slept ${clock.now()}`));
    const handle = clock.timers.setTimeout(() => seen.push('timer'), 50);
    clock.timers.setTimeout(() => seen.push(`kept ${clock.now()}`), 60);
    clock.timers.clearTimeout(handle);
    await clock.run(80);
    expect(clock.now()).toBe(80);
    expect(seen).toEqual(['kept 60']);
    await clock.run();
    expect(seen).toEqual(['kept 60', 'slept 100']);
  });
});
