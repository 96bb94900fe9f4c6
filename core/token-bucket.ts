/**
 * A token bucket: `capacity` tokens at most (the burst), refilled at `ratePerSec`. Two ways to
 * spend tokens:
 *
 * - `take(n)` paces: it resolves once n tokens are paid for (the page's upload limit). Waiters
 *   are served strictly in the order they called (FIFO), one at a time, so a large take is never
 *   overtaken by small ones. Debt model: the head of the line takes its n tokens at once, which
 *   may leave the bucket below zero, and resolves when the refill has brought it back to zero.
 *   For n ≤ the tokens available that is immediate; otherwise it waits (n − available) / rate,
 *   also when n exceeds the capacity.
 * - `tryTake(n)` admits or refuses at once and never goes into debt (the signal node's message
 *   rate per address): a refused call costs nothing, so a client that retries gets in as soon
 *   as the refill allows.
 *
 * Whatever the pattern of calls, the tokens handed out by time t never exceed
 * capacity + rate · t.
 *
 * Pure: time comes from an injected clock (milliseconds) and sleep, so tests run on fake time;
 * the shells pass the real one (page-bridge/token-bucket.ts, signal/address-limits.ts).
 */
import { DeployNetError } from './errors.js';

export interface BucketClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface TokenBucketOptions {
  /** Tokens the bucket holds at most, and starts with: the largest burst. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly ratePerSec: number;
  readonly clock: BucketClock;
}

/** What a rate-limited sender needs from a bucket (PeerLink's uploadLimiter). */
export interface RateLimiter {
  take(n: number): Promise<void>;
}

const EPSILON = 1e-9;

interface Waiter {
  readonly n: number;
  readonly resolve: () => void;
}

function validAmount(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

export class TokenBucket implements RateLimiter {
  readonly capacity: number;
  readonly ratePerSec: number;
  private readonly clock: BucketClock;
  private tokens: number;
  private last: number;
  private readonly line: Waiter[] = [];
  private pumping = false;

  constructor(options: TokenBucketOptions) {
    const positive = (v: number, field: string): number => {
      if (!Number.isFinite(v) || v <= 0) throw new DeployNetError('BAD_CONFIG', `${field} must be a positive number`, { field });
      return v;
    };
    this.capacity = positive(options.capacity, 'capacity');
    this.ratePerSec = positive(options.ratePerSec, 'ratePerSec');
    this.clock = options.clock;
    this.tokens = this.capacity;
    this.last = this.clock.now();
  }

  /** Tokens available now (negative while the head of the line is paying off a deficit). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Callers waiting, including the one paying now. */
  get waiting(): number {
    return this.line.length;
  }

  take(n: number): Promise<void> {
    if (!validAmount(n)) return Promise.reject(new DeployNetError('BAD_ARGUMENT', `take needs a finite number of tokens ≥ 0, not ${n}`));
    if (n === 0) return Promise.resolve();
    // Nobody waiting and the tokens there: paid at once, as the pump below would do it, without
    // a waiter and an async pump per call (a swarm simulation takes millions).
    if (this.line.length === 0 && !this.pumping) {
      this.refill();
      if (this.tokens - n >= -EPSILON) {
        this.tokens -= n;
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve) => {
      this.line.push({ n, resolve });
      if (!this.pumping) void this.pump();
    });
  }

  /** Takes n tokens now when they are there and nobody is waiting in `take`; never waits. */
  tryTake(n: number): boolean {
    if (!validAmount(n)) throw new DeployNetError('BAD_ARGUMENT', `tryTake needs a finite number of tokens ≥ 0, not ${n}`);
    if (this.line.length > 0) return false;
    this.refill();
    if (this.tokens + EPSILON < n) return false;
    this.tokens -= n;
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
    this.last = Math.max(this.last, now);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let head = this.line[0]; head; head = this.line[0]) {
        this.refill();
        this.tokens -= head.n;
        // Whole milliseconds, rounded up: after the sleep the refill covers the deficit; a clock
        // that wakes a little early only costs one more round. EPSILON absorbs float rounding.
        while (this.tokens < -EPSILON) {
          await this.clock.sleep(Math.ceil((-this.tokens * 1000) / this.ratePerSec));
          this.refill();
        }
        this.line.shift();
        head.resolve();
      }
    } finally {
      this.pumping = false;
    }
  }
}
