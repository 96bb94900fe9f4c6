/**
 * Simulated time: a queue of events ordered by (time, insertion order), and a clock that
 * runs them. Times are whole milliseconds, so many events share a tick; after each tick the
 * promise jobs the events started (the real scheduler is async: hashing, token buckets) run
 * to completion before time moves on, so an `await` in the code under test never sees a later
 * clock than the event that resolved it.
 */
import type { BucketClock } from '../../core/token-bucket.js';
import type { DownloadTimers } from '../../page-bridge/download-options.js';

export interface SimEvent {
  readonly time: number;
  readonly seq: number;
  fn: (() => void) | null;
}

/**
 * Events by time: a binary min-heap of the distinct times, and per time the events in the order
 * they were scheduled (which is their seq order). Times are whole milliseconds and a busy swarm
 * has dozens of events per millisecond, so most pushes land in an existing bucket (O(1)) and the
 * heap stays small. Cancelled events (fn null) are skipped when they come up.
 */
export class EventQueue {
  private readonly times: number[] = [];
  private readonly buckets = new Map<number, { readonly events: SimEvent[]; next: number }>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  peek(): SimEvent | undefined {
    const t = this.times[0];
    if (t === undefined) return undefined;
    const b = this.buckets.get(t)!;
    return b.events[b.next];
  }

  /** The earliest time with events, if any. */
  nextTime(): number | undefined {
    return this.times[0];
  }

  push(event: SimEvent): void {
    let b = this.buckets.get(event.time);
    if (!b) {
      b = { events: [], next: 0 };
      this.buckets.set(event.time, b);
      this.pushTime(event.time);
    }
    b.events.push(event);
    this.count++;
  }

  pop(): SimEvent | undefined {
    const t = this.times[0];
    if (t === undefined) return undefined;
    const b = this.buckets.get(t)!;
    const event = b.events[b.next++];
    this.count--;
    if (b.next === b.events.length) {
      this.buckets.delete(t);
      this.popTime();
    }
    return event;
  }

  /**
   * Takes every event of the earliest time, in order, handing each to `run` (which may schedule
   * more at that same time: they run in this call too). One map lookup per tick, not per event.
   */
  drainTick(run: (event: SimEvent) => void): void {
    const t = this.times[0];
    if (t === undefined) return;
    const b = this.buckets.get(t)!;
    const events = b.events;
    while (b.next < events.length) {
      const event = events[b.next++]!;
      this.count--;
      run(event);
    }
    this.buckets.delete(t);
    this.popTime();
  }

  private pushTime(time: number): void {
    const h = this.times;
    let i = h.length;
    h.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= time) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = time;
  }

  private popTime(): void {
    const h = this.times;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && h[r]! < h[l]! ? r : l;
      if (h[child]! >= last) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
  }
}

const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimClock {
  private readonly queue = new EventQueue();
  private seq = 0;
  private current = 0;
  /** Events run so far (cancelled ones not counted). */
  events = 0;

  now(): number {
    return this.current;
  }

  /** Runs `fn` `delayMs` from now (rounded up to a whole millisecond; never in the past). */
  schedule(delayMs: number, fn: () => void): SimEvent {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? Math.ceil(delayMs) : 0;
    const event: SimEvent = { time: this.current + delay, seq: this.seq++, fn };
    this.queue.push(event);
    return event;
  }

  cancel(event: SimEvent | undefined): void {
    if (event) event.fn = null;
  }

  /** Resolves `ms` of simulated time from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(ms, resolve));
  }

  /** Pending events, cancelled ones included. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Runs events in time order until none is left or the next is after `until`; the clock ends at
   * the last tick run (or `until` when it stopped there).
   */
  async run(until = Infinity): Promise<void> {
    for (let tick = this.queue.nextTime(); tick !== undefined && tick <= until; tick = this.queue.nextTime()) {
      this.current = tick;
      this.queue.drainTick(this.runEvent);
      await drain();
    }
    if (until !== Infinity && this.current < until) this.current = until;
  }

  private readonly runEvent = (e: SimEvent): void => {
    const fn = e.fn;
    if (fn === null) return;
    e.fn = null;
    this.events++;
    fn();
  };

  /** The scheduler's timers (page-bridge/download-options.ts) on this clock. */
  readonly timers: DownloadTimers = {
    setTimeout: (callback, ms) => this.schedule(ms, callback),
    clearTimeout: (handle) => {
      if (handle !== undefined && handle !== null) this.cancel(handle as SimEvent);
    },
  };

  /** The token bucket's clock (core/token-bucket.ts) on this clock. */
  readonly bucketClock: BucketClock = {
    now: () => this.current,
    sleep: (ms) => this.sleep(ms),
  };
}
